"""Optuna studies in `mi sweep --trials N`: seeded suggestions (no pipeline runs), then a tiny
study on the demo run whose trials are sealed runs counted in the ledger."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.governance.trials import TRIAL_KIND, ledger_trials
from mi_kernel.pipeline.axes import space
from mi_kernel.pipeline.study import STARTUP_TRIALS, StudyPlan
from mi_kernel.pipeline.sweep import run_sweep
from mi_kernel.runstore import RunStore, verify_run

AXES = ["embargo=int:3..10", "estimators=[ridge],[lgbm]", "alpha=log:0.001..1"]


def _objective(variant: dict[str, str]) -> float:
    """A made-up Sharpe with its peak at embargo 6, lgbm, alpha 0.1."""
    return (
        -abs(int(variant["embargo"]) - 6)
        + (variant["estimators"] == "lgbm")
        - abs(float(variant["alpha"]) - 0.1)
    )


def _suggested(seed: int, trials: int = STARTUP_TRIALS + 4, batch: int = 2) -> list[dict]:
    """Run a plan as the sweep does: one trial alone, then batches, each told its value."""
    plan = StudyPlan(space(AXES), trials, seed)
    out: list[dict[str, str]] = []
    while variants := plan.next(batch if out else 1):
        assert len(variants) <= batch
        for v in variants:
            out.append(v)
            plan.tell({"sharpe": _objective(v)})
    return out


def test_the_same_seed_suggests_the_same_trials() -> None:
    first = _suggested(seed=3)
    assert len(first) == STARTUP_TRIALS + 4  # past the random start: TPE models the results
    assert _suggested(seed=3) == first
    assert _suggested(seed=4) != first
    for v in first:  # inside the space, written as -p takes them
        assert 3 <= int(v["embargo"]) <= 10 and v["estimators"] in ("ridge", "lgbm")
        assert 0.001 <= float(v["alpha"]) <= 1


def test_the_record_holds_every_trial_and_the_best() -> None:
    plan = StudyPlan(space(AXES), trials=3, seed=0)
    variants = plan.next(1) + plan.next(5)
    assert len(variants) == 3 and plan.next(5) == []  # never more than asked for
    for value in (0.2, None, 0.7):
        plan.tell({"sharpe": value})  # None: a failed trial (no backtest)
    record = plan.record(["r0", "r1", "r2"])
    assert record["sampler"] == "TPESampler" and record["seed"] == 0
    assert record["space"]["embargo"] == {"kind": "int", "low": 3, "high": 10}
    assert record["space"]["estimators"] == ["ridge", "lgbm"]
    assert [t["params"] for t in record["trials"]] == variants
    assert [t["state"] for t in record["trials"]] == ["complete", "fail", "complete"]
    assert record["best"]["run_id"] == "r2" and record["best"]["value"] == 0.7
    checked = plan.checks()  # each value and each range end, the others at their first
    assert {"embargo": "10", "estimators": "ridge", "alpha": "0.001"} in checked
    assert {"embargo": "3", "estimators": "lgbm", "alpha": "0.001"} in checked
    assert len(checked) == 4  # the first values once, then each other value or end
    with pytest.raises(ConfigError, match="at least one trial"):
        StudyPlan(space(AXES), trials=-1)


@pytest.mark.xdist_group("notebooks")
def test_a_demo_study_seals_each_trial_and_counts_it_in_the_ledger(
    demo: tuple[RunStore, str], tmp_path: Path
) -> None:
    source, base_id = demo
    shutil.copytree(source.root, tmp_path / "runs", symlinks=True)
    store = RunStore(tmp_path / "runs")
    base = json.loads((store.sealed_dir(base_id) / "_meta/run.json").read_text())["parameters"]
    n = base["n_splits"]
    axes = [
        f"symbols=[{','.join(base['symbols'])}]",
        f"estimators=[{','.join(base['estimators'])}]",
        f"n_splits=int:{n}..{n}",  # a range of one value, the demo run's: training is reused
        # rates other than the demo run's: each trial is a new variant of the backtests
        "costs={base: default, commission_bps: 2.0},{base: default, spread_bps: 10.0}",
    ]
    d = store.sealed_dir(base_id)
    version = json.loads((d / "training/selection.json").read_text())["model_version"]
    report = json.loads((d / f"backtests/model-{version}/report.json").read_text())
    data_hash = report["trials"]["data_hash"]
    before = len(ledger_trials(store.ledger, data_hash))

    result = run_sweep("demo", axes, store=store, n_workers=2, trials=2, seed=0)
    table, study = result.variants, result.study
    assert len(table) == 2 and set(table["status"]) == {"succeeded"}, table
    assert table["p:costs"].nunique() == 2  # seed 0 suggests both cost models
    assert (table["reused steps"] >= 5).all()  # the data and training steps from the cache
    sweep_dir = store.sealed_dir(result.run_id)
    assert study == json.loads((sweep_dir / "sweep/study.json").read_text())
    assert study["sampler"] == "TPESampler" and study["seed"] == 0 and study["n_trials"] == 2
    assert [t["run_id"] for t in study["trials"]] == list(table["run_id"])
    assert [t["value"] for t in study["trials"]] == pytest.approx(list(table["sharpe"]))
    assert [t["params"]["costs"] for t in study["trials"]] == list(table["p:costs"])
    assert study["best"]["run_id"] == result.summary["best"]
    for run_id in table["run_id"]:  # each trial a sealed run, an input of the sweep run
        assert verify_run(store, run_id).ok
    assert {i.name.split(":")[0] for i in store.manifest(result.run_id).inputs} == set(
        table["run_id"]
    )
    # every trial's backtests are in the ledger; the best one's deflated Sharpe counts them
    logged = {e.detail.get("run_id") for e in store.ledger.find(TRIAL_KIND)}
    assert set(table["run_id"]) <= logged
    after = len(ledger_trials(store.ledger, data_hash))
    assert after - before >= len(table) and result.summary["trials"] == after
    assert "TPESampler (seed 0), 2 trials" in (sweep_dir / "sweep/history.svg").read_text()
    chart = (sweep_dir / "sweep/comparison.svg").read_text()
    assert f"over {after} trials" in chart and "costs={base: default, spread_bps" in chart
