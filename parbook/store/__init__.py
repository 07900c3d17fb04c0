"""Stage ``store``: the dossier database and the configuration around it.

Takes in: a database URL (SQLite by default, PostgreSQL for a district or province), the
reference files of data/reference/ and the unit declarations (``parbook init``, ``parbook
units``). Hands on: the SQLAlchemy schema of DESIGN.md §3 and its connections (:mod:`.db`),
paths and settings resolved in one place (:mod:`.config`), the one date parser and file hash,
personal-data masking (:mod:`.privacy`), units over time (:mod:`.units`) and, for one unit and
window, its rows read once (:class:`parbook.store.unitdata.UnitData`) — to every later stage.
"""
