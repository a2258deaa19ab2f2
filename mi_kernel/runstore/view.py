"""Open a sealed run's notebooks in JupyterLab without writing a byte into the run.

``jupyter lab runs/<id>/notebooks`` writes ``.ipynb_checkpoints/`` into the run (which then
fails ``mi runs verify``), shows blank plots until the notebooks are trusted, and cannot find
the plotting JavaScript the run stores once in ``static/``. :func:`prepare_view` instead
copies the notebooks into a scratch *view* beside the runs (``<runs root>/.views/``), puts
the hash-checked scripts back, points Panel's CDN stylesheets at the copies that ship with
``panel`` (the browser asks no other host), and signs the copies as trusted in the view's own
signature database (the user's trust database is not touched). :func:`lab_command` serves the
view on 127.0.0.1; edits stay in the view, which ``mi runs open`` deletes when Lab stops.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from mi_kernel.errors import RunError
from mi_kernel.runstore.store import RunStore

VIEWS = ".views"


def prepare_view(store: RunStore, run_id: str) -> Path:
    """Copy ``run_id``'s notebooks into a new view folder, scripts restored and trusted."""
    import nbformat
    from nbformat.sign import NotebookNotary

    from mi_kernel.reporting.assets import STATIC, internalize_notebook
    from mi_kernel.reporting.offline import offline_notebook

    if not store.is_sealed(run_id):
        raise RunError(
            f"no sealed run {run_id!r} under {store.root}; `mi runs list` shows the runs"
        )
    run_dir = store.sealed_dir(run_id)
    notebooks = sorted((run_dir / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise RunError(f"run {run_id!r} has no executed notebooks to open")
    views = store.root / VIEWS
    views.mkdir(parents=True, exist_ok=True)
    view = Path(tempfile.mkdtemp(prefix=f"{run_id}-", dir=views))
    (view / ".trust").mkdir()  # before the notary: it opens its database when made
    notary = NotebookNotary(
        db_file=str(view / ".trust" / "nbsignatures.db"),
        secret_file=str(view / ".trust" / "notebook_secret"),
    )
    try:
        for src in notebooks:
            nb = nbformat.read(src, as_version=4)
            internalize_notebook(nb, run_dir / STATIC)
            offline_notebook(nb)
            nb.metadata.setdefault("mi", {})["view_of"] = f"run://{run_id}/notebooks/{src.name}"
            notary.sign(nb)
            nbformat.write(nb, view / src.name)
    finally:
        notary.store.close()
    (view / "README.md").write_text(
        f"# Run {run_id} (a view)\n\nCopies of the run's executed notebooks, opened by "
        "`mi runs open`. The sealed run is not touched: edits here are not saved to it and "
        "this folder is deleted when Lab stops. Change something by starting a new run.\n",
        encoding="utf-8",
    )
    return view


def lab_command(view: Path, port: int, token: str, open_browser: bool = True) -> list[str]:
    """The JupyterLab command serving ``view`` on 127.0.0.1 with the view's trust database.

    Offline: no news, no update check, an extension manager that never asks PyPI.
    """
    trust = view / ".trust"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={view}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.open_browser={open_browser}",
        f"--IdentityProvider.token={token}",
        f"--NotebookNotary.db_file={trust / 'nbsignatures.db'}",
        f"--NotebookNotary.secret_file={trust / 'notebook_secret'}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--ServerApp.allow_root=True")  # containers; the view is the only root_dir
    return cmd


def remove_view(view: Path) -> None:
    """Delete a view folder (only folders under a runs root's ``.views``)."""
    if view.parent.name != VIEWS:
        raise RunError(f"{view} is not a run view; refusing to delete it")
    shutil.rmtree(view, ignore_errors=True)


__all__ = ["VIEWS", "lab_command", "prepare_view", "remove_view"]
