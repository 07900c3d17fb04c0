"""parbook.quality."""
