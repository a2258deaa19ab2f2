"""The Analyst Workbench: PSI and IC are what they claim, drift is flagged past the stated
thresholds, and the page works offline in Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel.runstore import RunStore
from mi_kernel.viz.serve import panel_command
from mi_kernel.viz.workbench import (
    IC_DRIFT,
    PSI_DRIFT,
    daily_rank_ic,
    drift,
    ic_by_feature,
    load_run,
    model_comparison,
    psi,
    timeline,
)
from tests.dashboards.browser import free_port, offline_page, served

pytestmark = [pytest.mark.xdist_group("notebooks")]


def test_psi_is_zero_for_the_same_sample_and_flags_a_shift() -> None:
    rng = np.random.default_rng(0)
    a = pd.Series(rng.normal(size=5000))
    assert psi(a, a) == pytest.approx(0.0, abs=1e-9)
    assert psi(a, pd.Series(rng.normal(size=5000))) < 0.05
    assert psi(a, pd.Series(rng.normal(0.8, 1.0, size=5000))) > PSI_DRIFT


def test_daily_rank_ic_is_the_spearman_correlation_of_each_day() -> None:
    """Per day, pairs with a gap left out (as pandas' spearman does); days of < 5 rows dropped."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "ts": np.repeat(pd.date_range("2020-01-01", periods=4, tz="UTC"), 30),
            "symbol": np.tile([f"S{i}" for i in range(30)], 4),
            "x": rng.normal(size=120),
            "y": rng.normal(size=120),
            "label": rng.normal(size=120),
        }
    )
    frame.loc[rng.choice(120, 20, replace=False), "x"] = np.nan
    frame.loc[rng.choice(120, 15, replace=False), "label"] = np.nan
    small = pd.DataFrame({"ts": pd.Timestamp("2020-02-01", tz="UTC"), "symbol": ["A", "B"]})
    frame = pd.concat([frame, small.assign(x=[1.0, 2.0], y=[1.0, 2.0], label=[1.0, 2.0])])
    ic = daily_rank_ic(frame, ["x", "y"])
    assert list(ic.index) == list(pd.date_range("2020-01-01", periods=4, tz="UTC"))
    for ts, day in frame.groupby("ts"):
        if len(day) >= 5:
            for col in ("x", "y"):
                want = day[col].corr(day["label"], method="spearman")
                assert ic.loc[ts, col] == pytest.approx(want)


def test_the_demo_runs_tables(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    run = load_run(store, run_id)
    ic = ic_by_feature(run)
    assert set(ic.index) <= set(run.feature_names) and (ic["days"] > 0).all()
    assert ic["mean IC"].abs().is_monotonic_decreasing
    table, what = drift(run)
    assert "second half" in what and table["measure"].iloc[-1].startswith("predictions of")
    flags = (table["PSI"] > PSI_DRIFT) | (table["IC change"].abs() > IC_DRIFT)
    assert (table["drift"] == flags).all()
    models = model_comparison(store, [run_id])
    assert models["selected"].sum() == 1 and set(models["run"]) == {run_id}
    assert {"run", "model registered"} <= set(timeline(store)["what"])


@pytest.mark.browser
def test_the_workbench_works_offline(demo: tuple[RunStore, str], tmp_path: Path) -> None:
    store, _ = demo
    port = free_port()
    url = f"http://127.0.0.1:{port}/workbench"
    cmd = panel_command(port, ("workbench",))
    env = {"MI_RUNS_ROOT": str(store.root)}
    with served(cmd, url, env, tmp_path / "panel.log"), offline_page() as page:
        p = page.page
        p.goto(url)
        p.get_by_text("Features and labels").first.wait_for(timeout=60_000)
        page.wait_for_canvases(2)
        p.locator("select:not([multiple])").nth(1).select_option(
            "vol_20"
        )  # run, feature, compare-with
        p.get_by_text("Feature vol_20:", exact=False).first.wait_for(timeout=30_000)
        page.wait_for_canvases(2)
        page.screenshot("workbench")
        p.get_by_text("Drift").first.click()
        p.get_by_text("Thresholds: PSI", exact=False).first.wait_for(timeout=30_000)
        page.check()
