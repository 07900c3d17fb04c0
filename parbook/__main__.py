"""``python -m parbook`` runs the command line."""

import sys

from parbook.cli import main

sys.exit(main())
