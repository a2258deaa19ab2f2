"""The step cache on the demo pipeline: a first run, an unchanged re-run, and a re-run after an
edit of the report notebook alone.

    .venv/bin/python benchmarks/step_cache.py [--runs-root /tmp/mi-bench-cache]

Each re-run is `mi run demo` as a user types it (a new process: wall clock includes starting
Python and importing the kernel). Targets (issue 11): an unchanged re-run ≤ 5 s; an edit of the
report notebook re-runs only the report. Appends a table to benchmarks/step_cache.md.
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

import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "step_cache.md"
HEADER = """# The step cache: re-running the demo pipeline

Reproduce: `.venv/bin/python benchmarks/step_cache.py` (a fresh runs root under /tmp). Each row
is `mi run demo` in a new process, wall clock. Target: an unchanged re-run ≤ 5 s; an edit of the
report notebook re-runs only the report. The compliance step publishes through the gate
(`governed: true`): it is reused while the gate's state (identity, roles, approvals, model
registrations and statuses) is unchanged, and executes again when it changes — so the first
re-run after a first run executes it (that run's seal registered its models), the next does not.
"""


def mi_run(runs_root: Path, notebooks: Path | None = None) -> tuple[float, dict[str, str]]:
    # PYTHONPATH: the step kernels import this checkout's kernel (the one timed), not another
    env = {
        **os.environ,
        "MI_IDENTITY": "ada",
        "MI_RUNS_ROOT": str(runs_root),
        "PYTHONPATH": str(ROOT),
    }
    extra = ["--notebooks", str(notebooks)] if notebooks else []
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "mi_kernel.cli", "run", "demo", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    seconds = time.perf_counter() - t0
    run_id = out.split()[2]
    manifest = json.loads((runs_root / run_id / "manifest.json").read_text())
    return seconds, {s["name"]: s["status"] for s in manifest["steps"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs-root", default=None)
    args = ap.parse_args()
    root = Path(args.runs_root or tempfile.mkdtemp(prefix="mi-bench-cache-")) / "runs"
    rows = []
    first, s0 = mi_run(root)
    rows.append(("first run", first, s0))
    # the first run's seal registered its models in the ledger: the gate's state moved, so the
    # compliance step (governed) publishes again, this time naming the model as registered
    again, s1 = mi_run(root)
    rows.append(("re-run after the first seal", again, s1))
    again, s1 = mi_run(root)
    rows.append(("unchanged re-run", again, s1))
    edited = Path(tempfile.mkdtemp(prefix="mi-bench-nb-")) / "notebooks"
    shutil.copytree(ROOT / "notebooks", edited)
    nb = nbformat.read(edited / "09_report.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("_Edited for the step-cache benchmark._"))
    nbformat.write(nb, edited / "09_report.ipynb")
    report, s2 = mi_run(root, edited)
    rows.append(("report notebook edited", report, s2))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [f"\n## {stamp} — {machine}\n", "| run | wall clock s | executed steps |"]
    lines.append("|---|---|---|")
    for name, seconds, status in rows:
        ran = [k for k, v in status.items() if v != "reused"]
        shown = "all 13" if len(ran) == len(status) else ", ".join(ran) or "none"
        lines.append(f"| {name} | {seconds:.1f} | {shown} |")
    text = "\n".join(lines) + "\n"
    if not OUT.exists():
        OUT.write_text(HEADER, encoding="utf-8")
    with OUT.open("a", encoding="utf-8") as fh:
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
