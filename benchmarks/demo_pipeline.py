"""Wall time of the demo pipeline, cold and warm, and Papermill's per-step overhead.

    make bench            # or: .venv/bin/python benchmarks/demo_pipeline.py [--runs 2]

"Cold" is the first run in a fresh process with the kernel's bytecode caches removed; "warm"
runs follow in new processes (OS file cache and bytecode warm). Each run is a real `mi run demo`
into a temporary runs root. Results are appended to benchmarks/demo_pipeline.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(runs_root: Path) -> tuple[float, dict]:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mi_kernel.cli", "--runs-root", str(runs_root), "run", "demo"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    wall = time.perf_counter() - t0
    [manifest] = [json.loads(p.read_text()) for p in runs_root.glob("*/manifest.json")]
    return wall, manifest


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3, help="1 cold + (runs-1) warm")
    args = ap.parse_args()
    for cache in (ROOT / "mi_kernel").rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    rows = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            wall, m = one_run(Path(tmp) / "runs")
            subprocess.run(["chmod", "-R", "u+w", tmp], check=False)
        steps = {s["name"]: (s["seconds"], s.get("papermill_overhead_seconds") or 0.0) for s in m["steps"]}
        rows.append(("cold" if i == 0 else "warm", wall, steps))
        print(f"{rows[-1][0]}: {wall:.1f} s", flush=True)
    lines = [
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}, "
        f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}\n",
        "| run | wall s | " + " | ".join(rows[0][2]) + " |",
        "|---|---|" + "---|" * len(rows[0][2]),
    ]
    for kind, wall, steps in rows:
        cells = " | ".join(f"{s:.1f} ({o:.1f})" for s, o in steps.values())
        lines.append(f"| {kind} | {wall:.1f} | {cells} |")
    lines.append("\nCells: step seconds (of which Papermill overhead: kernel start, parameter "
                 "injection, notebook I/O — step time minus the sum of cell times).")
    out = ROOT / "benchmarks" / "demo_pipeline.md"
    if not out.exists():
        out.write_text("# Demo pipeline wall time\n\nReproduce: `make bench` (3 runs: 1 cold, 2 warm)."
                       " Target: warm ≤ 60 s on 2 cores.\n")
    with out.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
