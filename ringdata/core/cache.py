"""Where ringdata keeps what it builds on first use (the tiny model, the gold-check verdicts).

One rule, read in one place so every caller (the CLI, the trainer, curation, the tests) agrees:
`$RINGDATA_CACHE` when set, else `$XDG_CACHE_HOME/ringdata` (the XDG base-directory rule that
Hugging Face, vLLM, torch and pip follow too, so one variable relocates every cache), else
`~/.cache/ringdata`. This module is the one exception to "library code never reads os.environ":
a cache location is the user's environment's to decide, like `HF_HOME`.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """The directory ringdata's first-use builds go to (not created here)."""
    if os.environ.get("RINGDATA_CACHE"):
        return Path(os.environ["RINGDATA_CACHE"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "ringdata"
