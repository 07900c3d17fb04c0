"""The one base of the errors parbook raises for its users.

Every domain error carries a message in Vietnamese with the English in brackets (or after a
dash); the command layer (parbook.commands) prints it on one line and exits with code 2. Errors
that are not ParbookError are bugs and keep their traceback.
"""


class ParbookError(Exception):
    """An error a user can act on: bad input, a missing file, an unknown code."""
