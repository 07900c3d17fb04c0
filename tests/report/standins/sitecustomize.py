"""Test-only: give a kernel started with this folder on PYTHONPATH the stand-in modules.

Each stand-in replaces a module of another work branch ONLY while that module is absent
(see parbook_standins); once the real module is merged, the real one runs.
"""

import parbook_standins

parbook_standins.install()
