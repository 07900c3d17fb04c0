"""parbook.commands."""
