"""``python -m parbook`` runs the command line."""

import sys

from parbook.commands.main import main

sys.exit(main())
