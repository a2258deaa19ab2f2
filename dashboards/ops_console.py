"""Ops / Compliance console: approval queue, model inventory, audit trail, retention, exceptions.

    MI_IDENTITY=rita .venv/bin/panel serve dashboards/ops_console.py --address 127.0.0.1 --port 5007

Acts as MI_IDENTITY (roles from roles.yml); reads the runs root of the project (or
``$MI_RUNS_ROOT``). Every action is the governance function the CLI calls, signed the same way.
"""

from mi_kernel.runstore import RunStore
from mi_kernel.viz.ops_console import build_ops_console

build_ops_console(RunStore()).servable(title="mi ops & compliance console")
