"""JSON-lines journals of a run: read them, append to them under a lock.

Steps run side by side in other kernels (and the runner writes beside them), so every append
holds an exclusive ``flock`` on the file.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSON-lines file (none if it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def append_line(path: Path, obj: dict[str, Any]) -> None:
    """Append ``obj`` as one JSON line (parent folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(obj, default=str, sort_keys=True) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(line)


def append_once(path: Path, obj: dict[str, Any], key: Callable[[dict[str, Any]], Hashable]) -> None:
    """Append ``obj`` unless a line with the same ``key`` is already there (checked under
    the lock, so two writers cannot both add it)."""
    line = json.dumps(obj, default=str, sort_keys=True) + "\n"
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        seen = {key(json.loads(x)) for x in fh.read().splitlines() if x.strip()}
        if key(obj) not in seen:
            fh.write(line)  # "a+": written at the end whatever the read position


__all__ = ["append_line", "append_once", "read_jsonl"]
