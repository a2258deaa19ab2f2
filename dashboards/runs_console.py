"""Runs console: browse sealed runs, their steps, integrity, audit trail and report.

    .venv/bin/panel serve dashboards/runs_console.py --address 127.0.0.1 --port 5006

Reads the runs root of the project (or ``$MI_RUNS_ROOT``); never modifies a sealed run.
"""

from mi_kernel.runstore import RunStore
from mi_kernel.viz.console import build_console

build_console(RunStore()).servable(title="mi runs console")
