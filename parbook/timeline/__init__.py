"""Stage ``timeline``: working days, reporting windows and what happened when.

Takes in: a unit's rows (parbook.store.unitdata.UnitData) and a reporting window
(parbook.timeline.periods.Window). Hands on: :class:`parbook.timeline.scope.Facts` — per-dossier
facts (legal due date, timeliness, counts…) and the register frames (PAKN, surveys, legal
documents, plan tasks) of the window and of its year to date, all as of the as-of date.
"""
