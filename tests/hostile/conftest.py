"""The hostile-HTTP tests reuse the e2e helpers (the real `ogi` command as a process)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
