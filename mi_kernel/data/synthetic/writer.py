"""Generate a synthetic market into partitioned parquet, one chunk of symbols at a time.

Layout of a market folder::

    bars/year=YYYY/part-CCCCC.parquet      news/... alpha/...   (hive-partitioned by year)
    corporate_actions/part-CCCCC.parquet   universe/...  fundamentals/...
    manifest.json                          config, key, row counts
    _SUCCESS                               written last

Everything is written into a hidden sibling folder that is renamed into place only once
``_SUCCESS`` is in it, so a half-written market is never mistaken for a complete one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from mi_kernel.data.synthetic.alpha import ALPHA_NAME, alpha_table, future_scores
from mi_kernel.data.synthetic.config import GENERATOR_VERSION, SyntheticConfig
from mi_kernel.data.synthetic.fundamentals import fundamentals_table
from mi_kernel.data.synthetic.news import news_table
from mi_kernel.data.synthetic.paths import News, draw_news, draw_paths, log_returns
from mi_kernel.data.synthetic.prices import Prices, actions_table, bars_table, price_paths
from mi_kernel.data.synthetic.universe import Static, draw_static, market_factors, universe_table
from mi_kernel.errors import ConfigError

GENERATOR = "mi_kernel.data.synthetic"
TABLES = ("bars", "corporate_actions", "universe", "fundamentals", "news", "alpha")
PARTITIONED = frozenset({"bars", "news", "alpha"})
MANIFEST, SUCCESS = "manifest.json", "_SUCCESS"


@dataclass(frozen=True)
class ChunkSim:
    """Everything simulated for one chunk of symbols: attributes, news, log returns, bars."""

    static: Static
    news: News
    x: np.ndarray
    prices: Prices


def chunk_spans(config: SyntheticConfig) -> list[tuple[int, int]]:
    """Return the ``[lo, hi)`` symbol-index ranges simulated and written together."""
    step, n = config.chunk_symbols, config.n_total
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


def simulate_chunk(
    config: SyntheticConfig, lo: int, hi: int, market: np.ndarray, sectors: np.ndarray
) -> ChunkSim:
    """Simulate symbols ``lo .. hi-1`` given the common factors of :func:`market_factors`."""
    static = draw_static(config, lo, hi)
    news = draw_news(config, static)
    paths = draw_paths(config, static, full=True)
    x = log_returns(static, market, sectors, paths, news)
    return ChunkSim(static, news, x, price_paths(config, static, x, paths))


def chunk_tables(
    config: SyntheticConfig, sim: ChunkSim, scores: np.ndarray | None, cal: pd.DatetimeIndex
) -> dict[str, pa.Table]:
    """Return the chunk's rows of every table, keyed by table name."""
    return {
        "bars": bars_table(sim.static, sim.prices, cal),
        "corporate_actions": actions_table(sim.static, sim.prices, cal),
        "universe": universe_table(config, sim.static, cal),
        "fundamentals": fundamentals_table(config, sim.static, sim.prices, cal),
        "news": news_table(sim.static, sim.news, cal),
        "alpha": alpha_table(config, sim.static, scores, cal),
    }


def _years(ts: pa.ChunkedArray) -> np.ndarray:
    ns = np.asarray(ts.cast(pa.int64()))
    return ns.astype("datetime64[ns]").astype("datetime64[Y]").astype(np.int64) + 1970


def _write_table(folder: Path, table: pa.Table, part: int, partitioned: bool) -> None:
    """Write one chunk of a table: one file, or one file per year under ``year=YYYY``."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"part-{part:05d}.parquet"
    if not partitioned:
        pq.write_table(table, folder / name, compression="zstd")
        return
    years = _years(table["ts"])
    for year in np.unique(years):
        sub = folder / f"year={year}"
        sub.mkdir(exist_ok=True)
        pq.write_table(table.filter(pa.array(years == year)), sub / name, compression="zstd")


def _write_market(config: SyntheticConfig, root: Path, progress: bool) -> dict[str, int]:
    cal = config.calendar()
    market, sectors = market_factors(config)
    spans = chunk_spans(config)
    planted = config.alpha_ic != 0.0
    rows = dict.fromkeys(TABLES, 0)
    total = len(spans) * (2 if planted else 1)
    with tqdm(total=total, desc="synthetic market", unit="chunk", disable=not progress) as bar:
        scores = future_scores(config, market, sectors, spans, bar.update) if planted else None
        for part, (lo, hi) in enumerate(spans):
            sim = simulate_chunk(config, lo, hi, market, sectors)
            chunk_scores = None if scores is None else scores[:, lo:hi].T
            for name, table in chunk_tables(config, sim, chunk_scores, cal).items():
                _write_table(root / name, table, part, name in PARTITIONED)
                rows[name] += table.num_rows
            bar.update()
    return rows


def _manifest(config: SyntheticConfig, rows: dict[str, int]) -> dict[str, Any]:
    cal = config.calendar()
    return {
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "key": config.key(),
        "config": config.model_dump(mode="json"),
        "calendar": {"first": cal[0].isoformat(), "last": cal[-1].isoformat()},
        "symbols": {"initial": config.n_symbols, "total": config.n_total},
        "alpha": {"feature": ALPHA_NAME, "ic": config.alpha_ic, "horizon": config.alpha_horizon},
        "tables": {
            name: {"rows": rows[name], "partitioning": "year" if name in PARTITIONED else None}
            for name in TABLES
        },
    }


def file_hashes(root: Path) -> dict[str, str]:
    """sha256 of every parquet file of a market, by path relative to ``root``."""
    out = {}
    for p in sorted(root.rglob("*.parquet")):
        with open(p, "rb") as fh:
            out[p.relative_to(root).as_posix()] = hashlib.file_digest(fh, "sha256").hexdigest()
    return out


def edited_files(root: Path) -> list[str]:
    """Files of the cached market at ``root`` that differ from what was generated (by hash).

    A market written before hashes were recorded counts as edited (it cannot be checked).
    """
    manifest = read_manifest(root) or {}
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        return ["(no file hashes recorded)"]
    actual = file_hashes(root)
    changed = [n for n in sorted(set(recorded) | set(actual)) if recorded.get(n) != actual.get(n)]
    return changed


def read_manifest(root: Path) -> dict[str, Any] | None:
    """Return the manifest of the market at ``root``, or None if there is none."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return (
        manifest if isinstance(manifest, dict) and manifest.get("generator") == GENERATOR else None
    )


def is_complete(root: Path, key: str | None = None) -> bool:
    """Return whether ``root`` holds a complete market (of config ``key``, if given)."""
    manifest = read_manifest(root)
    done = manifest is not None and (root / SUCCESS).is_file()
    return done and (key is None or (manifest or {}).get("key") == key)


def _check_target(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir() or (any(out_dir.iterdir()) and read_manifest(out_dir) is None):
        raise ConfigError(
            f"out_dir {out_dir} exists and is not a synthetic market; "
            "pass a new or empty folder (an existing market there would be replaced)"
        )


def _publish(tmp: Path, out_dir: Path, key: str) -> None:
    """Move the finished market into place (replacing an older market, keeping an equal one)."""
    try:
        os.rename(tmp, out_dir)  # atomic; also replaces an empty folder
        return
    except OSError:
        pass
    if is_complete(out_dir, key):  # another process finished the same market first
        shutil.rmtree(tmp)
        return
    _check_target(out_dir)
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(out_dir, old)
    os.rename(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def generate(config: SyntheticConfig, out_dir: Path, progress: bool = False) -> Path:
    """Generate the market of ``config`` into ``out_dir`` and return ``out_dir``.

    Symbols are simulated ``config.chunk_symbols`` at a time (two passes when an alpha is
    planted: returns first, then everything else), so memory stays bounded by the chunk plus
    one (n_days, n_total) float array. ``progress`` shows a tqdm bar over chunks.

    Raises
    ------
    ConfigError
        If ``out_dir`` exists and is neither empty nor a synthetic market.
    """
    out_dir = Path(out_dir)
    _check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)
        rows = _write_market(config, tmp, progress)
        manifest = {**_manifest(config, rows), "files": file_hashes(tmp)}
        text = json.dumps(manifest, indent=2, sort_keys=True)
        (tmp / MANIFEST).write_text(text + "\n")
        (tmp / SUCCESS).write_text("")
        _publish(tmp, out_dir, config.key())
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
