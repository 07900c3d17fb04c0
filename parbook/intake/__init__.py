"""Stage ``intake``: the commune's exports into the database.

Takes in: Excel workbooks and CSV files with Vietnamese headers (the import contract of
DESIGN.md §4, :mod:`.vocab`, or another system's layout through an import profile). Hands on:
rows loaded into the store by key, with history and a batch record; every rejected row in
quarantine with a Vietnamese/English reason naming file, sheet, row and column
(:mod:`.quarantine`); and the empty or filled import workbook (:mod:`.template`).
"""
