"""parbook.report."""
