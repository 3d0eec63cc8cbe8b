"""What both benchmarks share: the measured part runs in a child process, so that its peak RSS
is its own and not the input builder's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_child(code: str, *args: str | Path) -> dict[str, Any]:
    """Run `code` with `python -c` and these arguments; the JSON object of its last line."""
    out = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result
