"""Today's book: its risk in one call, its stress, the limits derived from the book."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import (
    LimitDefaults,
    Market,
    book_risk,
    known_ic,
    limits_for_book,
    stress_current_book,
    unit_costs,
)
from mi_kernel.backtest.costs import Costs
from mi_kernel.errors import DataError
from tests.backtest.conftest import make_bars, random_bars


def test_limits_for_book_scale_the_book_by_the_stated_drift() -> None:
    lim = limits_for_book(1.0, 0.02)
    assert (lim.max_gross_exposure, lim.max_position_weight) == (pytest.approx(1.1), 0.03)
    assert (lim.max_drawdown, lim.max_daily_loss) == (0.2, 0.05)
    custom = limits_for_book(2.0, None, LimitDefaults(max_drawdown=0.1, gross_drift=1.0))
    assert custom.max_gross_exposure == 2.0 and custom.max_position_weight is None
    assert custom.max_drawdown == 0.1


def test_book_risk_tables_are_complete_and_jsonable() -> None:
    bars = random_bars(3, n_days=300, n_assets=6)
    w = pd.Series([0.3, 0.2, 0.0, -0.1, -0.2, 0.1], index=[f"S{i}" for i in range(6)])
    level = bars[bars["symbol"] == "S0"].set_index("ts")["close"]
    r = book_risk(w, bars, benchmark=level, sectors={"S0": "Tech", "S1": "Tech"})
    assert len(r.var) == 16  # 4 methods x 2 horizons x 2 levels
    assert (r.var["es"] >= r.var["var"] - 1e-12).all()
    assert r.beta is not None and r.beta.index.tolist() == ["market"]
    assert r.sectors.loc["Tech", "gross"] == pytest.approx(0.5)
    assert r.concentration.n_positions == 5  # S2 holds nothing
    assert r.stress is None
    json.dumps(r.to_dict())


def test_book_risk_refuses_an_empty_book() -> None:
    bars = random_bars(1)
    with pytest.raises(DataError, match="holds nothing"):
        book_risk(pd.Series(0.0, index=["S0"]), bars)


def test_current_book_stress_holds_the_book_through_the_replay() -> None:
    # a long book through the COVID fall loses about beta x 34 %; the market here has beta 1
    n = 300
    idx = pd.bdate_range("2024-01-01", periods=n, tz="UTC")
    rng = np.random.default_rng(0)
    common = rng.normal(0.0, 0.01, n)
    closes = {f"S{i}": 100 * np.exp(np.cumsum(common + rng.normal(0, 0.002, n))) for i in range(4)}
    bars = make_bars(closes, start=str(idx[0].date()))
    market = Market.from_bars(bars)
    w = pd.Series(0.25, index=list(closes))
    table = stress_current_book(
        w, market, ["covid_2020"], costs={"base": "default", "commission_bps": 0}
    )
    assert {"base", "covid_2020"} <= set(table.index)
    assert table.loc["covid_2020", "pnl_pct"] < table.loc["base", "pnl_pct"] - 0.2
    with pytest.raises(DataError, match="need"):
        stress_current_book(w, Market.from_bars(bars.groupby("symbol").head(10)), ["gfc_2008"])


def test_known_ic_is_stamped_when_its_labels_are_complete() -> None:
    bars = random_bars(2, n_days=60, n_assets=8)
    closes = bars.pivot(index="ts", columns="symbol", values="close")
    future = closes.shift(-5) / closes - 1  # a perfect signal: the 5-day forward return
    scores = future.stack().rename("score").reset_index()
    ic = known_ic(scores, bars, horizon=5)
    first_score = scores["ts"].min()
    assert ic.index.min() == closes.index[closes.index.get_loc(first_score) + 5]
    assert ic["ic"].iloc[-1] == pytest.approx(1.0)


def test_unit_costs_add_impact_that_grows_with_the_trade() -> None:
    bars = random_bars(4, n_days=40, n_assets=3)
    costs = Costs.defaults().replace(commission_bps=1.0, spread_bps=10.0, impact_coef=0.5)
    small = unit_costs(costs, bars, capital=1e6, trade_weight=0.01)
    large = unit_costs(costs, bars, capital=1e9, trade_weight=0.01)
    assert (small >= 6e-4).all()  # commission 1 bp + half of a 10 bp spread
    assert (large > small).all()
