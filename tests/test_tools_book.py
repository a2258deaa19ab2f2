"""run_backtest and the book definition: the optimizer builds the traded book, policies act."""

from __future__ import annotations

import pandas as pd
import pytest

import mi_kernel as mi
from mi_kernel import tools
from mi_kernel.errors import ConfigError
from mi_kernel.runstore import RunStore

SYMBOLS = [
    "AAPL",
    "MSFT",
    "IBM",
    "GOOG",
    "ORCL",
    "INTC",
    "CSCO",
    "HPQ",
    "JPM",
    "BAC",
    "C",
    "WFC",
    "XOM",
    "CVX",
    "COP",
    "SLB",
    "PFE",
    "MRK",
    "JNJ",
    "KO",
    "PEP",
    "PG",
    "WMT",
    "HD",
]
BOOK = {
    "name": "test-ls",
    "restricted": ["BAC"],
    "max_position": 0.1,
    "max_sector": 0.4,
    "max_gross": 1.0,
    "max_net": 0.1,
    "min_net": -0.1,
    "construction": {"method": "long_short", "top_frac": 0.2},
}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunStore, str, str]:
    store = RunStore(tmp_path_factory.mktemp("book") / "runs")
    ctx = mi.session(runs_root=str(store.root))
    bars = tools.fetch_market_data(SYMBOLS, None, None, source="sp500_ohlcv")
    clean = tools.quality_report(bars)["clean_uri"]
    feats = tools.compute_features(clean, "core", market=None)
    version = tools.train_model(feats, "fwd_ret_5d", {"estimator": "ridge", "n_splits": 3})
    return store, ctx.run_id, version


@pytest.mark.xdist_group("engine")
def test_optimized_book_is_traded_within_its_limits(model: tuple[RunStore, str, str]) -> None:
    store, run_id, version = model
    mi.session(run_id, runs_root=str(store.root), step="bt-opt")
    optimizer = {
        "method": "max_sharpe",
        "expected_returns": "black_litterman",
        "rebalance_every": 5,
        "min_history": 30,
    }
    uri = tools.run_backtest(
        f"model:{version}", book={**BOOK, "optimizer": optimizer}, capacity=False, tearsheet=False
    )
    report = mi.read_json(uri)
    rebalances = mi.read_table(report["rebalances_uri"])
    assert len(rebalances) >= 5 and (rebalances["gross"] <= 1.0 + 1e-9).all()
    fills = mi.read_table(uri.replace("report.json", "fills.parquet"))
    assert "BAC" not in set(fills["symbol"])  # restricted by the book
    assert report["fills"] > 0
    # the same book without the optimizer is a different trial of the same data
    ranks = mi.read_json(
        tools.run_backtest(f"model:{version}", book=BOOK, capacity=False, tearsheet=False)
    )
    assert ranks["variant_id"] != report["variant_id"]
    assert ranks["trials"]["n_trials"] >= 2


@pytest.mark.xdist_group("engine")
def test_policies_act_and_are_recorded(model: tuple[RunStore, str, str]) -> None:
    store, run_id, version = model
    ctx = mi.session(run_id, runs_root=str(store.root), step="bt-policy")
    tight = {"kill_switch": {"max_drawdown": 0.001}}  # fires at the first loss
    uri = tools.run_backtest(
        f"model:{version}", book={**BOOK, "policies": tight}, capacity=False, tearsheet=False
    )
    report = mi.read_json(uri)
    events = mi.read_table(uri.replace("report.json", "policy_events.parquet"))
    assert len(events) >= 1 and events["policy"].iloc[0] == "kill_switch"
    assert report["policy_events"][0]["message"] == events["message"].iloc[0]
    halted_at = pd.Timestamp(events["ts"].iloc[0])
    fills = mi.read_table(uri.replace("report.json", "fills.parquet"))
    assert (pd.to_datetime(fills["ts"], utc=True) <= halted_at).all()  # no order after the halt
    emitted = (ctx.dir / "events" / "bt-policy.jsonl").read_text()
    assert "policy.triggered" in emitted


def test_bad_book_is_refused_naming_the_field(model: tuple[RunStore, str, str]) -> None:
    store, run_id, version = model
    mi.session(run_id, runs_root=str(store.root), step="bt-bad")
    with pytest.raises(ConfigError, match="unknown optimizer 'magic'"):
        tools.run_backtest(f"model:{version}", book={**BOOK, "optimizer": {"method": "magic"}})
    with pytest.raises(ConfigError, match="max_postion"):
        tools.run_backtest(f"model:{version}", book={**BOOK, "max_postion": 0.1})
