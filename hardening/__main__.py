"""`python -m hardening` runs the command-line interface."""

from __future__ import annotations

import sys

from hardening.cli import main

sys.exit(main())
