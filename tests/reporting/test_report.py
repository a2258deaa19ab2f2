"""backtest_report: the numbers, their consistency with metrics, JSON-ability; plots."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mi_kernel import metrics as m
from mi_kernel.backtest import Costs, run
from mi_kernel.errors import ConfigError
from mi_kernel.reporting import active_returns, backtest_report, performance_plots
from tests.backtest.conftest import random_bars


@pytest.fixture(scope="module")
def result():
    return run(
        "equal_weight",
        random_bars(5, n_days=260, n_assets=5),
        costs=Costs.defaults(),
        rebalance="W",
    )


@pytest.fixture(scope="module")
def bench(result) -> pd.Series:
    rng = np.random.default_rng(9)
    return pd.Series(rng.normal(0.0003, 0.01, len(result.returns)), index=result.returns.index)


def test_report_numbers_agree_with_metrics(result, bench) -> None:
    rep = backtest_report(result, bench, n_trials=20, trial_sharpes=[0.1, 0.9, -0.3, 0.4])
    r = active_returns(result)
    assert r.index[0] == result.returns.index[1]  # idle decision bar cut, first trade kept
    assert rep["sharpe"] == pytest.approx(m.sharpe(r))
    assert rep["sortino"] == pytest.approx(m.sortino(r))
    assert rep["max_drawdown"] == pytest.approx(m.max_drawdown(r))
    assert rep["hit_rate"] == pytest.approx(m.hit_rate(r))
    assert rep["psr"] == pytest.approx(m.probabilistic_sharpe_ratio(r))
    assert rep["deflated_sharpe"] == pytest.approx(
        m.deflated_sharpe_ratio(r, 20, trial_sharpes=[0.1, 0.9, -0.3, 0.4])
    )
    assert rep["deflated_sharpe"] < rep["psr"]
    assert rep["costs_by_type"]["commission"] == pytest.approx(result.costs["commission"].sum())
    assert rep["costs_by_type"]["total"] == pytest.approx(result.costs.to_numpy().sum())
    assert rep["costs_by_type"]["annual_drag"] > 0
    assert rep["gross_sharpe"] > rep["sharpe"]
    assert rep["turnover_annual"] == pytest.approx(result.turnover.loc[r.index].mean() * 252)
    assert {"alpha", "beta", "information_ratio"} <= set(rep)
    assert rep["total_costs"] == rep["costs_by_type"]["total"]
    assert rep["probabilistic_sharpe"] == rep["psr"] and rep["turnover"] == rep["turnover_annual"]
    json.dumps(rep, allow_nan=False)  # JSON-able: NaN became None


def test_report_split_and_trial_requirements(result) -> None:
    split = result.returns.index[150]
    rep = backtest_report(result, split=split)
    assert rep["in_sample"]["n_periods"] + rep["out_of_sample"]["n_periods"] == rep["n_periods"]
    assert rep["deflated_sharpe"] == pytest.approx(rep["psr"])  # one trial: no deflation
    with pytest.warns(UserWarning, match="trial_sharpes"):
        undeflated = backtest_report(result, n_trials=5)
    assert (
        undeflated["deflated_sharpe"] is None
        and "trial_sharpes" in undeflated["deflated_sharpe_note"]
    )
    with pytest.raises(ConfigError, match="split"):
        backtest_report(result, split="1990-01-01")


def test_performance_plots_are_holoviews_objects(result, bench) -> None:
    import holoviews as hv

    layout = performance_plots(result.returns, bench)
    assert isinstance(layout, hv.Layout) and len(layout) == 2
    equity = layout[0]
    assert isinstance(equity, hv.NdOverlay | hv.Overlay)


def test_panel_cdn_urls_become_inline_data() -> None:
    from mi_kernel.reporting import inline_panel_resources

    page = (
        '<script>var css = ["https://cdn.holoviz.org/panel/1.9.4/dist/css/loading.css?v=1.9.4",'
        ' "https://cdn.holoviz.org/panel/1.9.4/dist/css/not-shipped.css"];</script>'
    )
    out = inline_panel_resources(page)
    assert "data:text/css;base64," in out
    assert "dist/css/loading.css" not in out
    assert "https://cdn.holoviz.org/panel/1.9.4/dist/css/not-shipped.css" in out  # left, visible
