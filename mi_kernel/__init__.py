"""mi_kernel — the shared kernel of the mi market-intelligence research platform.

``import mi_kernel as mi`` does no I/O, starts no logging handlers and patches nothing;
heavy libraries are imported by the subpackages that need them, when they are used.
"""

from __future__ import annotations

from mi_kernel.errors import MIError
from mi_kernel.runstore import (
    RunStore,
    current_run,
    finish,
    read_json,
    read_meta,
    read_table,
    session,
    use_run,
)

__version__ = "0.1.0"

__all__ = [
    "MIError",
    "RunStore",
    "__version__",
    "current_run",
    "finish",
    "read_json",
    "read_meta",
    "read_table",
    "session",
    "use_run",
]
