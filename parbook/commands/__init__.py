"""Stage ``commands``: the command line at the edge.

Takes in: the user's arguments. Hands on: exit codes and the lines the user reads. One module per
command family; each turns the domain's results and its errors (parbook.errors.ParbookError, a
one-line Vietnamese/English message) into output. No other part of parbook prints or parses
arguments.
"""
