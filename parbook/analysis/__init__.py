"""parbook.analysis."""
