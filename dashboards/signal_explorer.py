"""Signal Explorer: per-ticker signals over time, why each one, the evidence and the regime.

    .venv/bin/panel serve dashboards/signal_explorer.py --address 127.0.0.1 --port 5006

Reads the runs root of the project (or ``$MI_RUNS_ROOT``); never modifies a sealed run.
"""

from mi_kernel.runstore import RunStore
from mi_kernel.viz.signal_explorer import build_signal_explorer

build_signal_explorer(RunStore()).servable(title="mi · Signal Explorer")
