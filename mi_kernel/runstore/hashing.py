"""Content hashes: files, tables and canonical JSON."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: the form every hash is taken over."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def sha256_json(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj).encode()).hexdigest()


def sha256_tree(root: Path) -> dict[str, str]:
    """Map every regular file below ``root`` (relative POSIX path) to its sha256."""
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def sha256_frame(df: Any) -> str:
    """Hash a DataFrame's content (values, index and column names), independent of memory layout."""
    import pandas as pd

    h = hashlib.sha256()
    h.update(canonical_json([str(c) for c in df.columns]).encode())
    h.update(pd.util.hash_pandas_object(_hashable(df), index=True).to_numpy().tobytes())
    return h.hexdigest()


def _hashable(df: Any) -> Any:
    """Replace list cells (e.g. the documents' ``tickers``) by their canonical JSON."""
    import numpy as np

    seq = (list, tuple, np.ndarray)
    lists = [
        c
        for c in df.columns
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, seq)).any()
    ]
    if not lists:
        return df
    out = df.copy()
    for c in lists:
        out[c] = out[c].map(lambda v: canonical_json(list(v)) if isinstance(v, seq) else v)
    return out
