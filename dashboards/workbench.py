"""Analyst Workbench: feature and label explorer, models across runs, the experiment timeline,
and drift between runs.

    .venv/bin/panel serve dashboards/workbench.py --address 127.0.0.1 --port 5006

Reads the runs root of the project (or ``$MI_RUNS_ROOT``); never modifies a sealed run.
"""

from mi_kernel.runstore import RunStore
from mi_kernel.viz.workbench import build_workbench

build_workbench(RunStore()).servable(title="mi · Analyst Workbench")
