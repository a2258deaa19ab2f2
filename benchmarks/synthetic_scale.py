"""Scale run of the synthetic market: 3,000 symbols x 20 years (5,040 business days).

Records wall time, peak resident memory (``getrusage`` high-water mark of this process), the
size on disk and the time of a pushed-down read, then writes ``benchmarks/synthetic_scale.md``.

Reproduce::

    .venv/bin/python benchmarks/synthetic_scale.py            # full size, planted alpha
    .venv/bin/python benchmarks/synthetic_scale.py --symbols 300 --days 1260 --no-write
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mi_kernel.data.synthetic import SyntheticConfig, generate, read

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=3000)
    ap.add_argument("--days", type=int, default=5040)
    ap.add_argument("--chunk", type=int, default=250)
    ap.add_argument("--alpha-ic", type=float, default=0.05)
    ap.add_argument("--no-write", action="store_true", help="do not rewrite synthetic_scale.md")
    args = ap.parse_args()
    config = SyntheticConfig(
        n_symbols=args.symbols, n_days=args.days, chunk_symbols=args.chunk, alpha_ic=args.alpha_ic
    )
    base_rss = _rss_mb()
    tmp = Path(tempfile.mkdtemp(prefix="mi-synthetic-scale-"))
    try:
        t0 = time.perf_counter()
        market = generate(config, tmp / "market", progress=True)
        wall = time.perf_counter() - t0
        gen_rss = _rss_mb()
        disk = {p.name: _size_mb(p) for p in sorted(market.iterdir()) if p.is_dir()}
        manifest = json.loads((market / "manifest.json").read_text())
        rows = {k: v["rows"] for k, v in manifest["tables"].items()}
        picks = sorted({f"S{i:04d}" for i in (1, (config.n_symbols + 1) // 2, config.n_symbols)})
        year = config.calendar()[config.n_days // 2].year
        t1 = time.perf_counter()
        some = read(market, "bars", symbols=picks, start=f"{year}-01-01", end=f"{year}-12-31")
        read_s = time.perf_counter() - t1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        f"| symbols x days | {config.n_symbols:,} x {config.n_days:,} "
        f"(chunk {config.chunk_symbols}, alpha_ic {config.alpha_ic}) |",
        f"| wall time | {wall:.1f} s |",
        f"| peak RSS | {gen_rss:,.0f} MB (after imports: {base_rss:,.0f} MB) |",
        f"| on disk | {sum(disk.values()):,.0f} MB: "
        + ", ".join(f"{k} {v:,.1f}" for k, v in disk.items())
        + " |",
        "| rows | " + ", ".join(f"{k} {v:,}" for k, v in rows.items()) + " |",
        f"| read {len(picks)} symbols x 1 year (pushed down) | {len(some)} rows, {read_s:.2f} s |",
    ]
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
    machine += f"Python {sys.version.split()[0]}"
    text = "\n".join(["| measure | value |", "| --- | --- |", *lines, f"| machine | {machine} |"])
    print(text)
    scores_mb = config.n_days * config.n_total * 8 / 2**20
    note = (
        f"{config.n_symbols:,} symbols trade on the first day; new listings bring the symbols "
        f"ever listed to {config.n_total:,} while delistings retire others, so about "
        f"{rows['bars'] / config.n_days:,.0f} trade on an average day. Memory is one chunk of "
        f"{config.chunk_symbols} symbols x {config.n_days:,} days (a few dozen float arrays) plus, "
        f"with a planted alpha, the {scores_mb:,.0f} MB (days x symbols) float64 matrix of "
        "forward-return normal scores; bars are written per chunk and year, never held whole."
    )
    if not args.no_write:
        (ROOT / "benchmarks" / "synthetic_scale.md").write_text(
            "# Synthetic market at scale\n\n"
            "Reproduce: `.venv/bin/python benchmarks/synthetic_scale.py` (writes this file).\n"
            "Target: well under 24 GB RAM (aim < 2 GB peak), a few minutes on 2 cores.\n\n"
            + text
            + "\n\n"
            + note
            + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
