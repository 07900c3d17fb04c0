"""parbook.store."""
