"""Reading a sealed run never writes into it: the Lab view, a sealed notebook re-executed, the
plotting scripts stored once per run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbformat.sign import NotebookNotary

import mi_kernel as mi
from mi_kernel.errors import RunError, SealedRunError
from mi_kernel.pipeline.kernels import KERNEL
from mi_kernel.reporting.assets import MIN_BYTES, SCRIPT_MIMES
from mi_kernel.runstore import RunStore, SealedRunView, verify_run
from mi_kernel.runstore.view import VIEWS, lab_command, prepare_view, remove_view

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("notebooks")]


def _scripts(nb: nbformat.NotebookNode) -> list[str]:
    return [
        o["data"][m]
        for c in nb.cells
        for o in c.get("outputs", [])
        for m in SCRIPT_MIMES
        if m in o.get("data", {})
    ]


def test_each_plotting_script_is_stored_once_in_the_run(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    d = store.sealed_dir(run_id)
    assets = sorted((d / "static").glob("*.js"))
    assert assets, "the run stores its plotting scripts in static/"
    for a in assets:  # named by their hash, listed (hashed) in the manifest
        assert hashlib.sha256(a.read_bytes()).hexdigest() == a.stem
        # no loader asks a CDN for Bokeh (hvplot reloads its extension from there when
        # `import hvplot.pandas` runs again in a later cell: mi_kernel.viz.notebook stops it)
        assert "https://cdn.bokeh.org/bokeh/release/" not in a.read_text(encoding="utf-8")
        assert f"static/{a.name}" in store.manifest(run_id).products
    for path in (d / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert all(len(s) < MIN_BYTES or "mi-asset" in s for s in _scripts(nb)), path.name
        assert path.stat().st_size < 1_500_000, path.name  # was ~6 MB each with inline BokehJS
    report = (d / "report/09_report.html").read_text(encoding="utf-8")
    bokeh = max(assets, key=lambda a: a.stat().st_size)  # BokehJS: linked, not inlined
    assert f'<script src="../static/{bokeh.name}"></script>' in report
    assert bokeh.read_text(encoding="utf-8") not in report
    assert len(report) < 2_000_000


def test_the_lab_view_is_trusted_complete_and_outside_the_run(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    view = prepare_view(store, run_id)
    try:
        assert view.parent == store.root / VIEWS
        names = sorted(p.name for p in view.glob("*.ipynb"))
        assert names == sorted(p.name for p in (store.sealed_dir(run_id) / "notebooks").iterdir())
        notary = NotebookNotary(
            db_file=str(view / ".trust/nbsignatures.db"),
            secret_file=str(view / ".trust/notebook_secret"),
        )
        for name in names:
            nb = nbformat.read(view / name, as_version=4)
            assert notary.check_signature(nb), f"{name} opens untrusted (blank plots)"
            assert not any("mi-asset" in s for s in _scripts(nb)), name
            assert "cdn.holoviz.org" not in (view / name).read_text(encoding="utf-8"), name
        notary.store.close()
        cmd = lab_command(view, 8999, "t0k3n", open_browser=False)
        assert f"--ServerApp.root_dir={view}" in cmd and "--ServerApp.ip=127.0.0.1" in cmd
        assert verify_run(store, run_id).ok  # nothing was written into the run
    finally:
        remove_view(view)
    assert not view.exists()
    with pytest.raises(RunError, match="not a run view"):
        remove_view(store.sealed_dir(run_id))
    with pytest.raises(RunError, match="no sealed run"):
        prepare_view(store, "20000101T000000Z-demo-000000")


def test_a_sealed_notebook_re_executed_reads_its_run(
    demo: tuple[RunStore, str], tmp_path: Path
) -> None:
    """What Voila does with a run's report notebook: execute it again with its parameters."""
    store, run_id = demo
    ctx = mi.session(run_id, step="report", runs_root=str(store.root))
    assert isinstance(ctx, SealedRunView) and ctx.dir == store.sealed_dir(run_id)
    with pytest.raises(SealedRunError, match="only reads it"):
        ctx.write_json({}, "report/x.json")
    assert mi.finish(ctx, adhoc=False) == f"read sealed run {run_id}; nothing was written"
    out = tmp_path / "09_report.ipynb"
    pm.execute_notebook(
        str(store.sealed_dir(run_id) / "notebooks/09_report.ipynb"),
        str(out),
        kernel_name=KERNEL,
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(out, as_version=4)
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert verify_run(store, run_id).ok
