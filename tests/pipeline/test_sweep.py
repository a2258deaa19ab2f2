"""Sweeps: the grid, its variants on a real LocalCluster (workers on 127.0.0.1) giving what the
serial path gives, shared cached steps — and, on the demo, every variant counted as a trial."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.governance.trials import ledger_trials
from mi_kernel.pipeline.cache import normalised_sha
from mi_kernel.pipeline.sweep import grid, parse_axis, run_sweep
from mi_kernel.runstore import RunStore, verify_run
from tests.pipeline.test_cache import folder  # noqa: F401 - the tiny notebooks, as a fixture


def test_axes_and_the_grid() -> None:
    assert parse_axis("embargo=5,10") == ("embargo", ["5", "10"])
    assert parse_axis("estimators=[ridge],[ridge,lgbm]") == ("estimators", ["ridge", "ridge,lgbm"])
    assert parse_axis("costs={a: 1, b: 2},{a: 3}") == ("costs", ["{a: 1, b: 2}", "{a: 3}"])
    assert grid(["a=1,2", "b=[x],[y,z]"]) == [
        {"a": "1", "b": "x"},
        {"a": "1", "b": "y,z"},
        {"a": "2", "b": "x"},
        {"a": "2", "b": "y,z"},
    ]
    for bad in ("embargo", "embargo=", "estimators=[ridge],lgbm", "n=1,,2"):
        with pytest.raises(ConfigError):
            parse_axis(bad)
    with pytest.raises(ConfigError, match="twice"):
        grid(["a=1", "a=2"])


def _contents(store: RunStore, run_id: str) -> dict[str, str]:
    d = store.sealed_dir(run_id)
    return {rel: normalised_sha(d / rel, run_id) for rel in ("a/out.json", "b/out.json")}


def test_a_sweep_on_a_local_cluster_equals_the_serial_path(
    folder: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    axes = ["n=1,2", "label=x,y"]
    bad = RunStore(tmp_path / "bad")
    with pytest.raises(ConfigError):  # checked before any run starts
        run_sweep("two", ["nope=1,2"], store=bad, folder=folder)
    assert not bad.root.exists() or not bad.run_ids()

    on_cluster = RunStore(tmp_path / "cluster")
    swept = run_sweep("two", axes, store=on_cluster, folder=folder, n_workers=2)
    serial = RunStore(tmp_path / "serial")
    reference = run_sweep("two", axes, store=serial, folder=folder, serial=True, cache=False)
    table, ref = swept.variants, reference.variants
    assert len(table) == 4 and set(table["status"]) == {"succeeded"}
    for a, b in zip(table["run_id"], ref["run_id"], strict=True):
        assert _contents(on_cluster, a) == _contents(serial, b)
        assert verify_run(on_cluster, a).ok
    # the first variant filled the cache; the others executed only what their values touch
    assert table["executed steps"].iloc[0] == 3 and table["reused steps"].iloc[1:].min() >= 1
    assert (ref["reused steps"] == 0).all()
    sweep_dir = on_cluster.sealed_dir(swept.run_id)
    stored = pd.read_parquet(sweep_dir / "sweep/variants.parquet")
    assert list(stored["run_id"]) == list(table["run_id"])
    assert {i.name.split(":")[0] for i in on_cluster.manifest(swept.run_id).inputs} == set(
        table["run_id"]
    )


@pytest.mark.xdist_group("notebooks")
def test_a_demo_sweep_counts_every_variant_as_a_trial(
    demo: tuple[RunStore, str], tmp_path: Path
) -> None:
    source, _ = demo
    shutil.copytree(source.root, tmp_path / "runs", symlinks=True)
    store = RunStore(tmp_path / "runs")
    base = json.loads((store.sealed_dir(demo[1]) / "_meta/run.json").read_text())["parameters"]
    cheap = "{base: default}"  # the pipeline's own rates
    dear = "{base: default, commission_bps: 3.0, spread_bps: 10.0}"
    small = {k: base[k] for k in ("symbols", "estimators", "n_splits")}
    axes = [
        f"symbols=[{','.join(small['symbols'])}]",
        f"estimators=[{','.join(small['estimators'])}]",
        f"n_splits={small['n_splits']}",
        f"costs={cheap},{dear}",
        "oos_start=2010-04-01,2010-06-01",
    ]
    result = run_sweep("demo", axes, store=store, n_workers=2)
    table = result.variants
    assert len(table) == 4 and set(table["status"]) == {"succeeded"}, table
    # the pipeline's data steps came from the cache for every variant
    assert (table["reused steps"] >= 5).all()
    s = result.summary
    trials = ledger_trials(store.ledger, table["data_hash"].iloc[0])
    assert s["trials"] == len(trials) and s["trials"] >= 2 * 3  # two cost models x strategies
    assert s["sharpe"] == pytest.approx(table["sharpe"].max())
    assert 0.0 <= s["deflated_sharpe"] <= 1.0
    best = table.loc[table["sharpe"].idxmax()]
    assert s["best"] == best["run_id"] and s["trials"] >= best["trials (in its run)"]
    chart = (store.sealed_dir(result.run_id) / "sweep/comparison.svg").read_text()
    assert f"over {s['trials']} trials" in chart and "costs=" in chart


def test_a_failed_variant_reports_its_own_run_not_the_latest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Variants seal side by side on a cluster: a failed one is its own run, whichever sealed
    last; a failure before any run existed is raised, not pinned on another variant."""
    import pickle

    from mi_kernel.errors import PipelineError
    from mi_kernel.pipeline import runner, sweep

    store = RunStore(tmp_path / "runs")
    failed = store.start("unit", {})
    store.seal(failed.run_id, status="failed", error="boom")
    later = store.start("unit", {})  # another variant, sealed after it
    store.seal(later.run_id)

    def fails(*args: object, **kw: object) -> None:
        raise PipelineError("step x failed", run_id=failed.run_id)

    monkeypatch.setattr(runner, "run_pipeline", fails)
    out = sweep._run_variant("unit", {}, str(store.root), str(tmp_path), cache=True)
    assert out["run_id"] == failed.run_id and out["status"] == "failed"
    assert "step x failed" in out["error"]
    assert pickle.loads(pickle.dumps(PipelineError("m", run_id="r"))).run_id == "r"

    def fails_early(*args: object, **kw: object) -> None:
        raise PipelineError("no run yet")

    monkeypatch.setattr(runner, "run_pipeline", fails_early)
    with pytest.raises(PipelineError, match="no run yet"):
        sweep._run_variant("unit", {}, str(store.root), str(tmp_path), cache=True)
