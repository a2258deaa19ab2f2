"""Hand-computed oracles for simulate(): a 2-asset, 3-day book."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import NO_COSTS, Costs
from mi_kernel.backtest import simulate as engine_simulate
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas import validate
from tests.backtest.conftest import make_bars, make_weights

# The foundation's frictionless-execution oracles: a margin account (no cash limit), no
# volume cap; commission and spread only (the engine's impact/borrow have their own tests).
simulate = partial(engine_simulate, execution={"cash_limit": False, "participation": None})

# A: 100 -> 110 -> 99 (+10 %, -10 %); B: 50 -> 50 -> 60 (0 %, +20 %)
BARS = make_bars({"A": [100.0, 110.0, 99.0], "B": [50.0, 50.0, 60.0]})
DAYS = pd.bdate_range("2024-01-01", periods=3, tz="UTC")
COSTS = Costs.zero().replace(commission_bps=10.0, spread_bps=20.0)  # 10 bp + 10 bp half spread


def test_half_half_book_traded_next_close() -> None:
    weights = make_weights([(DAYS[0], "A", 0.5), (DAYS[0], "B", 0.5)])
    res = simulate(weights, BARS, COSTS, initial_capital=1000.0)
    # d0: decided, nothing held. d1: buy 500 A + 500 B at the close; costs 1.0 + 1.0.
    # d2: A 500 -> 450, B 500 -> 600, cash -2 -> equity 1048.
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 998.0, 1048.0])
    np.testing.assert_allclose(res.gross_returns.to_numpy(), [0.0, 0.0, 50.0 / 998.0])
    np.testing.assert_allclose(res.returns.to_numpy(), [0.0, -0.002, 50.0 / 998.0])
    np.testing.assert_allclose(res.costs["commission"].to_numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(res.costs["spread"].to_numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(res.turnover.to_numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(res.weights.loc[DAYS[1]].to_numpy(), [500 / 998, 500 / 998])
    np.testing.assert_allclose(res.weights.loc[DAYS[2]].to_numpy(), [450 / 1048, 600 / 1048])
    trades = validate(res.trades, "fills")
    assert list(trades["symbol"]) == ["A", "B"]
    assert (trades["ts"] == DAYS[1]).all()
    np.testing.assert_allclose(trades["quantity"].to_numpy(), [500 / 110, 10.0])
    np.testing.assert_allclose(trades["commission"].to_numpy(), [0.5, 0.5])
    assert str(res.returns.index.tz) == "UTC"


def test_lag_zero_trades_at_the_decision_close() -> None:
    weights = make_weights([(DAYS[0], "A", 0.5), (DAYS[0], "B", 0.5)])
    res = simulate(weights, BARS, NO_COSTS, initial_capital=1000.0, lag=0)
    # d1: A 500 -> 550, B 500 -> 500; d2: A 550 -> 495, B 500 -> 600
    np.testing.assert_allclose(res.equity.to_numpy(), [1000.0, 1050.0, 1095.0])


def test_rebalance_trades_from_drifted_weights() -> None:
    weights = make_weights(
        [(DAYS[0], "A", 0.5), (DAYS[0], "B", 0.5), (DAYS[1], "A", 0.0), (DAYS[1], "B", 1.0)]
    )
    res = simulate(weights, BARS, COSTS, initial_capital=1000.0)
    # d2 before trading: A 450, B 600, cash -2, equity 1048 -> sell 450 of A, buy 448 of B.
    np.testing.assert_allclose(res.turnover.iloc[2], (450.0 + 448.0) / 1048.0)
    np.testing.assert_allclose(res.costs.iloc[2][["commission", "spread"]], [0.898, 0.898])
    d2 = res.trades[res.trades["ts"] == DAYS[2]].set_index("symbol")
    np.testing.assert_allclose(d2.loc["A", "quantity"], -500 / 110)  # every A share is sold
    np.testing.assert_allclose(d2.loc["B", "quantity"], 448 / 60)
    np.testing.assert_allclose(res.equity.iloc[2], 1048.0 - 2 * 0.898)
    np.testing.assert_allclose(res.weights.iloc[2]["A"], 0.0, atol=1e-15)


def test_minimum_commission_per_trade() -> None:
    weights = make_weights([(DAYS[0], "A", 0.5), (DAYS[0], "B", 0.5)])
    costs = Costs.zero().replace(commission_bps=1.0, min_commission=5.0)
    res = simulate(weights, BARS, costs, initial_capital=1000.0)
    np.testing.assert_allclose(res.costs["commission"].iloc[1], 10.0)  # 2 trades x 5 floor


def test_costs_parse_from_a_dict_and_reject_unknown_models() -> None:
    weights = make_weights([(DAYS[0], "A", 1.0)])
    res = simulate(weights, BARS, {"base": "zero", "spread_bps": 40}, 1000.0)
    np.testing.assert_allclose(res.costs["spread"].iloc[1], 2.0)  # 20 bp of 1000
    assert res.costs.drop(columns="spread").to_numpy().sum() == 0.0  # nothing else is charged
    with pytest.raises(ConfigError, match="unknown cost model"):
        simulate(
            make_weights([(DAYS[0], "A", 1.0)]),
            BARS,
            {"base": "default", "models": ["slippage_magic"]},
        )
    with pytest.raises(ConfigError, match="invalid costs"):  # a typo is not a new key
        simulate(make_weights([(DAYS[0], "A", 1.0)]), BARS, {"base": "zero", "commision_bps": 1})
    with pytest.raises(ConfigError, match="leave out commission_bps, commission_per_share"):
        simulate(make_weights([(DAYS[0], "A", 1.0)]), BARS, {"commision_bps": 1.0})


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(DataError, match="without bars"):
        simulate(make_weights([(DAYS[0], "ZZZ", 1.0)]), BARS)
    with pytest.raises(ConfigError, match="lag"):
        simulate(make_weights([(DAYS[0], "A", 1.0)]), BARS, lag=-1)
    late = make_bars({"A": [100.0, 110.0, 99.0], "B": [np.nan, np.nan, 60.0]})
    with pytest.raises(DataError, match="before its first bar"):
        simulate(make_weights([(DAYS[0], "B", 1.0)]), late)
