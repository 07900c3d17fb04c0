"""parbook.timeline."""
