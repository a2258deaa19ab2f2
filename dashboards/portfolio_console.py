"""Portfolio Console: what-if on a sealed run's book — optimizer, limits, costs — and its risk.

    .venv/bin/panel serve dashboards/portfolio_console.py --address 127.0.0.1 --port 5006

Reads the runs root of the project (or ``$MI_RUNS_ROOT``); a what-if never alters a sealed
run, saving one creates a new ad-hoc run (as ``$MI_IDENTITY``).
"""

from mi_kernel.runstore import RunStore
from mi_kernel.viz.portfolio_console import build_portfolio_console

build_portfolio_console(RunStore()).servable(title="mi · Portfolio Console")
