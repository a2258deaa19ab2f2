"""Read a synthetic market's tables, generating and caching the market on first use."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from mi_kernel.data.synthetic.alpha import ALPHA_SCHEMA
from mi_kernel.data.synthetic.config import SyntheticConfig, known_symbol, symbol_name
from mi_kernel.data.synthetic.writer import (
    PARTITIONED,
    TABLES,
    edited_files,
    generate,
    is_complete,
    read_manifest,
)
from mi_kernel.errors import ConfigError, DataError, UnknownSymbolError
from mi_kernel.schemas.tables import TABLES as SCHEMAS
from mi_kernel.schemas.tables import TableName, conform, utc_bound

#: The canonical table each synthetic table conforms to (``alpha`` is a feature table).
CANONICAL = {
    "bars": TableName.BARS,
    "corporate_actions": TableName.CORPORATE_ACTIONS,
    "universe": TableName.UNIVERSE,
    "fundamentals": TableName.FUNDAMENTALS,
    "news": TableName.NEWS,
    "alpha": TableName.FEATURES,
}
_SORT = {"corporate_actions": ["symbol", "ts", "action"], "universe": ["symbol"]}
_YEAR = pa.schema([("year", pa.int32())])
Bound = str | pd.Timestamp | None


def _schema(table: str) -> pa.Schema:
    return ALPHA_SCHEMA if table == "alpha" else SCHEMAS[CANONICAL[table]]


def _table(table: str) -> str:
    if table not in TABLES:
        raise ConfigError(f"unknown synthetic table {table!r}; valid tables: {', '.join(TABLES)}")
    return table


def _filter(
    table: str, symbols: list[str], lo: pd.Timestamp | None, hi: pd.Timestamp | None
) -> ds.Expression | None:
    """Return the pyarrow filter expression (None = everything) pushed into the scan."""
    parts = []
    if symbols:
        parts.append(ds.field("symbol").isin(symbols))
    if table == "universe":  # membership [start, end) overlapping [lo, hi]
        if hi is not None:
            parts.append(ds.field("start") <= hi)
        if lo is not None:
            parts.append(ds.field("end").is_null() | (ds.field("end") > lo))
    else:
        col = ds.field("ts_known" if table == "fundamentals" else "ts")
        if lo is not None:
            parts.append(col >= lo)
        if hi is not None:
            parts.append(col <= hi)
        if table in PARTITIONED and lo is not None:
            parts.append(ds.field("year") >= lo.year)
        if table in PARTITIONED and hi is not None:
            parts.append(ds.field("year") <= hi.year)
    expr = None
    for p in parts:
        expr = p if expr is None else expr & p
    return expr


def read(
    root: Path,
    table: str,
    symbols: Sequence[str] | None = None,
    start: Bound = None,
    end: Bound = None,
) -> pd.DataFrame:
    """Read ``table`` of the generated market at ``root``, conformed to its canonical schema.

    Filters are pushed into the parquet scan: ``symbols`` (None or empty = all), and
    ``start <= ts <= end`` (for fundamentals on ``ts_known``; for the universe, memberships
    overlapping the window). Rows are sorted by symbol then time.

    Raises
    ------
    ConfigError
        For an unknown table or a bound that is not a date.
    DataError
        If ``root`` is not a complete market.
    UnknownSymbolError
        If a requested symbol is not in the market.
    """
    name, root = _table(table), Path(root)
    manifest = read_manifest(root)
    if manifest is None or not is_complete(root):
        raise DataError(f"{root} is not a complete synthetic market; generate it with generate()")
    wanted = list(dict.fromkeys(map(str, symbols or [])))
    n_total = int(manifest["symbols"]["total"])
    unknown = [s for s in wanted if not known_symbol(s, n_total)]
    if unknown:
        first, last = symbol_name(np.array([0, n_total - 1]), n_total)
        raise UnknownSymbolError(
            f"synthetic market has no symbol {', '.join(unknown[:10])}; it has {first} .. {last}"
        )
    lo, hi = utc_bound(start, "start"), utc_bound(end, "end")
    schema = _schema(name)
    folder = root / name
    if not any(folder.rglob("*.parquet")):
        data = schema.empty_table()
    else:
        partitioning = ds.partitioning(_YEAR, flavor="hive") if name in PARTITIONED else None
        full = pa.unify_schemas([schema, _YEAR]) if name in PARTITIONED else schema
        try:
            dataset = ds.dataset(folder, schema=full, format="parquet", partitioning=partitioning)
            data = dataset.to_table(columns=schema.names, filter=_filter(name, wanted, lo, hi))
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(
                f"the synthetic market's {name} table in {folder} cannot be read "
                f"({str(exc).splitlines()[0]}); it is damaged: delete {root} and it is "
                "generated again on the next read"
            ) from None
    data = data.sort_by([(c, "ascending") for c in _SORT.get(name, ["symbol", "ts"])])
    frame = data.to_pandas()
    # hand Arrow's freed buffers back before conform copies the frame: the bars of 500
    # symbols x 5,000 days then peak at ~0.8 GB instead of ~1.1 GB (benchmarks/data_paths.md)
    del data
    pa.default_memory_pool().release_unused()
    return conform(frame, CANONICAL[name], copy=False)  # the frame is ours: no copy


def cache_root(cache_dir: Path | None = None) -> Path:
    """Return the cache base: ``cache_dir``, else ``$MI_CACHE_DIR``, else ``~/.cache/mi``."""
    if cache_dir is not None:
        return Path(cache_dir)
    env = os.environ.get("MI_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "mi"


def market_dir(config: SyntheticConfig, cache_dir: Path | None = None) -> Path:
    """Return where the cached market of ``config`` lives: ``<cache>/synthetic/<key>``."""
    return cache_root(cache_dir) / "synthetic" / config.key()


def load(
    table: str,
    config: SyntheticConfig | None = None,
    symbols: Sequence[str] | None = None,
    start: Bound = None,
    end: Bound = None,
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """Return ``table`` of the synthetic market of ``config`` (default config if None).

    The market is generated into :func:`market_dir` the first time and read from there
    afterwards. See :func:`read` for the filters and the errors.
    """
    _table(table)
    config = config or SyntheticConfig()
    root = market_dir(config, cache_dir)
    if not is_complete(root, config.key()):
        generate(config, root)
    elif not _pinned(root):
        changed = edited_files(root)
        warnings.warn(
            f"the cached synthetic market {root} does not match what was generated "
            f"({', '.join(changed[:3])}{' ...' if len(changed) > 3 else ''}); it is derived "
            "data, so it is generated again",
            stacklevel=2,
        )
        _VERIFIED.pop(str(root), None)
        shutil.rmtree(root)
        generate(config, root)
    return read(root, table, symbols=symbols, start=start, end=end)


#: cached markets already checked in this process, with the (name, size, mtime) they had
_VERIFIED: dict[str, tuple[tuple[str, int, int], ...]] = {}


def _pinned(root: Path) -> bool:
    """Whether every file of the market hashes to the manifest's record (checked once per
    process while no file's size or modification time changes)."""
    stamp = tuple(
        (p.relative_to(root).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*.parquet"))
    )
    if _VERIFIED.get(str(root)) == stamp:
        return True
    if edited_files(root):
        return False
    _VERIFIED[str(root)] = stamp
    return True
