"""parbook.intake."""
