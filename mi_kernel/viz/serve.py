"""Serve the faces over a runs root: the Voila stakeholder dashboard and the Panel consoles.

Both servers bind to 127.0.0.1, ask no other host for anything, and only read sealed runs.
``mi dashboards`` (``make dashboards``) starts them and stops both on Ctrl-C; the tests start
them the same way (:func:`voila_command`, :func:`panel_command`) and stop them by PID.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mi_kernel.errors import ConfigError
from mi_kernel.runstore.paths import project_root
from mi_kernel.viz.layout import CONSOLES

VOILA_DASHBOARD = "stakeholder.ipynb"
#: Voila's JupyterLab extensions that do not load in Voila (they need Lab's document manager)
#: and would only log errors in the page, and those the dashboard never uses but every visitor
#: would download and evaluate (Plotly's renderer alone is 4.8 MB; anywidget 0.4 MB).
VOILA_DENY = (
    "jupyterlab-jupytext",
    "@pyviz/jupyterlab_pyviz",
    "jupyterlab-plotly",
    "anywidget",
)
#: Where the dashboard's kernels store the plotting JavaScript (Bokeh, Panel: ~6 MB), once,
#: by content hash (in dashboards/, which Voila serves at ``/voila/files/``; git-ignored). The
#: page then links the script instead of carrying it inline in a JSON output it must parse
#: and evaluate.
SCRIPTS = "_scripts"
#: seconds a visitor's kernel with no page connected may stay idle before it is shut down
CULL_IDLE_S = 600
SCRIPTS_URL = f"/voila/files/{SCRIPTS}/"


def dashboards_dir() -> Path:
    root = project_root()
    if root is None:
        raise ConfigError(
            "the dashboards live in the project's dashboards/ folder: run `mi dashboards` "
            "inside the project (the folder with catalog.yml)"
        )
    return root / "dashboards"


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def voila_command(port: int, pool: int = 2) -> tuple[list[str], dict[str, str]]:
    """The Voila command serving the stakeholder dashboard, and the environment it needs.

    The ``mi`` template (``dashboards/jupyter/voila/templates/mi``) is Voila's lab template
    without its Font Awesome stylesheets from a CDN. ``pool`` kernels that have already run the
    dashboard wait for visitors: each visitor takes one and the pool refills in the background
    (~6 s a kernel), so ``pool`` visitors arriving together all see the page at once; each
    waiting kernel holds ~250 MB.
    """
    if pool < 1:
        raise ValueError(f"pool={pool}: Voila needs at least one preheated kernel (pool >= 1)")
    d = dashboards_dir()
    scripts = d / SCRIPTS
    scripts.mkdir(exist_ok=True)
    cmd = [
        # Voila with its kernel replies waited for in slices (a lost ZMQ wake-up otherwise
        # leaves about one page in ten unfinished): mi_kernel.viz.voila_server
        sys.executable,
        "-m",
        "mi_kernel.viz.voila_server",
        str(d / VOILA_DASHBOARD),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        "--template=mi",
        "--show_tracebacks=True",
        # a kernel that has already run the dashboard waits for the next visitor: the page
        # opens at once instead of after the notebook has executed
        "--preheat_kernel=True",
        f"--pool_size={pool}",
        # a visitor's kernel (~400 MB) is shut down when the page closes; one whose page
        # vanished without saying so (a crashed tab, a headless browser) is shut down after
        # ten idle minutes with no page connected
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
        "--MappingKernelManager.cull_interval=60",
        *(f"--VoilaConfiguration.extension_denylist={e}" for e in VOILA_DENY),
        # /voila/files/ serves dashboards/, and of it only the kernels' scripts
        f"--VoilaConfiguration.file_allowlist={SCRIPTS}/[0-9a-f]{{64}}\\.js",
    ]
    paths = [str(d / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
    return cmd, {
        "JUPYTER_PATH": os.pathsep.join(p for p in paths if p),
        "MI_SCRIPTS_DIR": str(scripts),  # read by mi_kernel.viz.notebook() in the kernels
        "MI_SCRIPTS_URL": SCRIPTS_URL,
    }


def consoles() -> tuple[str, ...]:
    """The console apps (``dashboards/<name>.py``) in navigation order."""
    d = dashboards_dir()
    return tuple(app for app, _ in CONSOLES if (d / f"{app}.py").exists())


def panel_command(port: int, apps: tuple[str, ...] | None = None) -> list[str]:
    """The ``panel serve`` command serving the consoles ``apps`` (default: all of them), one
    app each in one server."""
    d = dashboards_dir()
    apps = apps or consoles()
    return [
        _bin("panel"),
        "serve",
        *(str(d / f"{app}.py") for app in apps),
        "--address",
        "127.0.0.1",
        "--port",
        str(port),
        "--allow-websocket-origin",
        f"127.0.0.1:{port}",
        "--index",
        apps[0],
    ]


__all__ = ["VOILA_DASHBOARD", "consoles", "panel_command", "voila_command"]
