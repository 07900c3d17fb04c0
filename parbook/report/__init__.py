"""Stage ``report``: the quarterly outputs folder (DESIGN.md §8).

Takes in: a unit and window, the analysis of :func:`parbook.pipeline.analyse` (computed in the
host and handed to one Jupyter kernel), the five notebooks of ``notebooks/`` and the period's
notes. Hands on: the outputs folder — executed notebooks and their HTML for auditors, the
district report (report.html, report.pdf in the NĐ 30/2020 layout, addressed by regime),
findings.csv, indicators.csv, bieu06.csv, forms.xlsx, GX artefacts and a (signed) manifest
that ``parbook verify`` checks; and, on Dask, the same per commune (:mod:`.cluster`).
"""
