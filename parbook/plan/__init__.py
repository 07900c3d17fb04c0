"""Stage ``plan``: where the unit stands against its yearly plan.

Takes in: the plan files of data/reference/plans/ (one per year, :mod:`.model`; ``parbook plan
load|new``), the facts, the indicators and the findings of a window, the PAR criteria and the
unit's own scores. Hands on: :class:`parbook.plan.status.PlanStatus` — a status for each
requirement of the window's year plan with the figures behind it, duties by section, and the
PAR self-assessment (:mod:`.assessment`) — to the report.
"""
