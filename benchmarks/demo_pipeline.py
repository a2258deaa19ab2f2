"""Wall time of the demo pipeline, cold and warm, and Papermill's per-step overhead.

    make bench      # or: .venv/bin/python benchmarks/demo_pipeline.py [--warm 2] [--fresh 1]

Every run is a real `mi run demo` (full S&P 500 data) in a new process into a temporary runs
root. "cold" is the first run after the package's bytecode caches were removed; "warm" runs
follow (OS file cache and bytecode warm). Runs with "fresh kernels" start a new kernel for each
step (`--fresh-kernels`) — the peer baseline of one Papermill kernel per notebook — so the table
shows, side by side, what the warm shared kernel saves. Results are appended to
benchmarks/demo_pipeline.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "demo_pipeline.md"
HEADER = """# Demo pipeline wall time

Reproduce: `make bench` (or `.venv/bin/python benchmarks/demo_pipeline.py`). Target: warm ≤ 60 s
on 2 cores. Each cell of a step column is the step's seconds and, in brackets, its Papermill
overhead (step time minus the sum of its cells' execution times: kernel start or reset,
parameter injection, notebook I/O).
"""


def one_run(runs_root: Path, fresh: bool) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "mi_kernel.cli", "--runs-root", str(runs_root), "run", "demo"]
    if fresh:
        cmd.append("--fresh-kernels")
    before = set(runs_root.glob("*/manifest.json"))
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    [manifest] = [
        json.loads(p.read_text()) for p in set(runs_root.glob("*/manifest.json")) - before
    ]
    return wall, manifest


def measure(
    label: str, runs_root: Path, fresh: bool
) -> tuple[str, float, dict[str, tuple[float, float]]]:
    wall, m = one_run(runs_root, fresh)
    steps = {
        s["name"]: (s["seconds"], s.get("papermill_overhead_seconds") or 0.0) for s in m["steps"]
    }
    print(f"{label}: {wall:.1f} s", flush=True)
    return label, wall, steps


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warm", type=int, default=2, help="warm runs after the cold one")
    ap.add_argument("--fresh", type=int, default=1, help="warm runs with a kernel per step")
    args = ap.parse_args()
    for cache in (ROOT / "mi_kernel").rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    # Runs of one kind share a runs root, as repeated `make demo` runs do: the scheduler
    # starts the steps that took longest last time first.
    with tempfile.TemporaryDirectory() as shared:
        rows = [measure("cold, shared kernel", Path(shared), fresh=False)]
        rows += [measure("warm, shared kernel", Path(shared), False) for _ in range(args.warm)]
        rows += [
            measure("warm, fresh kernel per step", Path(shared), True) for _ in range(args.fresh)
        ]
        subprocess.run(["chmod", "-R", "u+w", shared], check=False)
    names = list(rows[0][2])
    lines = [
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.node()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}\n",
        "| run | wall s | overhead s | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for label, wall, steps in rows:
        cells = " | ".join(f"{s:.1f} ({o:.1f})" for s, o in steps.values())
        overhead = sum(o for _, o in steps.values())
        lines.append(f"| {label} | {wall:.1f} | {overhead:.1f} | {cells} |")
    warm = [w for label, w, _ in rows if label.startswith("warm, shared")]
    fresh = [w for label, w, _ in rows if "fresh" in label]
    if warm and fresh:
        ratio = min(fresh) / min(warm)
        lines.append(f"\nFresh kernels / shared warm kernel (best of each): {ratio:.2f}×")
    if not OUT.exists():
        OUT.write_text(HEADER)
    with OUT.open("a") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
