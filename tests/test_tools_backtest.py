"""run_backtest trades the engine on raw bars with the source's actions and universe."""

from __future__ import annotations

import pandas as pd
import pytest

import mi_kernel as mi
from mi_kernel import tools
from mi_kernel.backtest import SURVIVORSHIP_WARNING, Costs
from mi_kernel.errors import ConfigError
from mi_kernel.governance import trials
from mi_kernel.runstore import RunStore


@pytest.mark.xdist_group("engine")
def test_run_backtest_counts_trials_and_writes_attribution(store: RunStore) -> None:
    ctx = mi.session(runs_root=str(store.root))
    bars_uri = tools.fetch_market_data(None, None, None, source="synthetic_bars")
    first = mi.read_json(tools.run_backtest("equal_weight", oos_start="2017-01-02"))
    assert first["warnings"] == []  # synthetic market: actions and point-in-time universe
    assert first["trials"]["n_trials"] == 1
    assert Costs.model_validate(first["cost_model"]) == Costs.defaults()  # applied, every field
    assert {"in_sample", "out_of_sample"} <= set(first) and first["split"].startswith("2017-01-02")
    att = first["attribution"]
    parts = (
        att["price"]
        + att["dividends"]
        + sum(att[k] for k in ("commission", "spread", "impact", "taxes", "borrow"))
    )
    assert parts == pytest.approx(att["net"], rel=1e-9)
    assert att["dividends"] > 0 and att["commission"] < 0 and att["impact"] < 0
    assert (
        first["bootstrap"]["sharpe"]["low"] < first["sharpe"] < first["bootstrap"]["sharpe"]["high"]
    )
    capacity = mi.read_table(first["capacity_uri"])
    assert capacity["participation"].is_monotonic_increasing
    assert capacity["cost_bps"].iloc[-1] > capacity["cost_bps"].iloc[0]  # impact grows with size
    # a second variant and a repeat of the first: two distinct trials on these bars
    tools.run_backtest("momentum_12_1")
    again = mi.read_json(tools.run_backtest("equal_weight", oos_start="2017-01-02"))
    assert again["trials"]["n_trials"] == 2
    assert again["deflated_sharpe"] <= first["deflated_sharpe"] + 1e-12
    ledger = trials.ledger_trials(store.ledger, ctx.hash_of(bars_uri))
    assert len(ledger) == 2
    fills = mi.read_table(f"run://{ctx.run_id}/backtests/equal_weight/fills.parquet")
    assert (fills["order_id"] == -2).any()  # delisted synthetic names are closed out
    assert isinstance(fills["ts"].iloc[0], pd.Timestamp)


@pytest.mark.xdist_group("engine")
def test_run_backtest_without_membership_warns_loudly(store: RunStore) -> None:
    mi.session(runs_root=str(store.root))
    tools.fetch_market_data(["AAPL", "MSFT"], "2009-09-01", None, source="sp500_ohlcv")
    report = mi.read_json(tools.run_backtest("equal_weight", capacity=False))
    assert SURVIVORSHIP_WARNING in report["warnings"]
    assert tools.NO_ACTIONS_WARNING in report["warnings"]
    # 12-1 momentum needs 252 sessions of history: on one year of data it never trades
    idle = mi.read_json(tools.run_backtest("momentum_12_1", capacity=False))
    assert tools.NO_TRADES_WARNING in idle["warnings"]
    assert idle["tearsheet_uri"] is None and idle["fills"] == 0
    assert idle["trials"]["dsr"] is None and "undefined" in idle["trials"]["note"]
    free = mi.read_json(tools.run_backtest("equal_weight", costs={"base": "zero"}, capacity=False))
    assert Costs.model_validate(free["cost_model"]) == Costs.zero()
    assert free["total_costs"] == 0.0 and free["fills"] > 0
    with pytest.raises(ConfigError, match="leave out commission_per_share"):  # issue 11
        tools.run_backtest("equal_weight", costs={"commission_bps": 0, "spread_bps": 0})
