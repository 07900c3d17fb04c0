"""Stage ``analysis``: the figures of a window and its year to date.

Takes in: the window's facts (:class:`parbook.timeline.scope.Facts`). Hands on, as typed
results: :class:`.forms.Forms` (Biểu 06), :class:`.scores.Scores` (TT 01/2018 quality score,
the QĐ 766 estimate, SIPAS-style satisfaction) and :class:`.indicators.Indicators` (the plan's
indicators of DESIGN.md §7 with their counting rules in :mod:`.measures`), plus trends and
monthly history (:mod:`.trends`) — to the plan and report stages.
"""
