"""The fault tests' helpers live beside them (fault_hook is also imported by the child)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
