"""``python -m parbook`` runs the command line."""

from parbook.commands.console import console

console()
