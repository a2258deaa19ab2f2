"""Cost plug-ins: hand-computed formulas, the same numbers as the engine charged, attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.backtest import (
    COST_MODELS,
    COST_SLOTS,
    RATE_FIELDS,
    Borrow,
    Commission,
    Costs,
    Execution,
    HalfSpread,
    Market,
    SqrtImpact,
    Taxes,
    as_costs,
    simulate,
)
from mi_kernel.errors import ConfigError
from mi_kernel.reporting import backtest_report
from mi_kernel.schemas import conform

FILLS = pd.DataFrame(
    {
        "quantity": [100.0, -300.0, 5.0, 0.0],
        "price": [10.0, 20.0, 10.0, 10.0],
        "adv": [10_000.0, 2_500.0, 0.0, 10_000.0],
        "sigma": [0.02, 0.01, 0.02, 0.02],
    }
)


def test_commission_per_share_plus_bps_with_a_minimum() -> None:
    cost = Commission(per_share=0.01, bps=10.0, minimum=1.5).cost(FILLS)
    # 100 x 0.01 + 10 bp x 1000 = 1 + 1 = 2;  300 x 0.01 + 10 bp x 6000 = 3 + 6 = 9;
    # 5 shares: 0.05 + 0.05 = 0.1 -> the minimum 1.5;  nothing filled -> no commission
    np.testing.assert_allclose(cost, [2.0, 9.0, 1.5, 0.0], rtol=1e-12)


def test_half_spread_on_every_fill() -> None:
    cost = HalfSpread(spread_bps=20.0).cost(FILLS)
    # half of 20 bp = 10 bp of 1000, 6000, 50, 0
    np.testing.assert_allclose(cost, [1.0, 6.0, 0.05, 0.0], rtol=1e-12)


def test_sqrt_impact() -> None:
    cost = SqrtImpact(coef=0.5).cost(FILLS)
    # 0.5 x 0.02 x sqrt(100 / 10000) x 1000 = 0.01 x 0.1 x 1000 = 1
    # 0.5 x 0.01 x sqrt(300 / 2500) x 6000 = 30 x sqrt(0.12);  ADV 0 -> no estimate, 0
    np.testing.assert_allclose(cost, [1.0, 30.0 * np.sqrt(0.12), 0.0, 0.0], rtol=1e-12)


def test_taxes_on_buys_and_sells() -> None:
    cost = Taxes(buy_bps=10.0, sell_bps=50.0).cost(FILLS)
    # buys pay 10 bp (1000 -> 1, 50 -> 0.05), the sale 50 bp of 6000 = 30
    np.testing.assert_allclose(cost, [1.0, 30.0, 0.05, 0.0], rtol=1e-12)


def test_borrow_for_calendar_time() -> None:
    shorts = pd.DataFrame({"short_value": [10_000.0, 4_000.0, 0.0], "years": [0.5, 1 / 365, 1.0]})
    cost = Borrow(annual_bps=100.0).cost(shorts)
    # 1 % a year: 10000 for half a year = 50; 4000 for a day = 40 / 365
    np.testing.assert_allclose(cost, [50.0, 40.0 / 365, 0.0], rtol=1e-12)


UNKNOWN_MODEL = (
    r"unknown cost model\(s\) \['slippage_magic'\].*"
    r"\['commission', 'spread', 'impact', 'taxes', 'borrow'\].*one of these slots"
)


def test_unknown_cost_model_is_refused_where_costs_are_configured() -> None:
    # the kernel charges its five slots only: another key would be silently free, so it is refused
    with pytest.raises(ValueError, match=UNKNOWN_MODEL):  # pydantic's ValidationError
        Costs.model_validate({"base": "default", "models": ["commission", "slippage_magic"]})
    with pytest.raises(ConfigError, match=UNKNOWN_MODEL):  # as simulate() receives it
        as_costs({"base": "zero", "models": ["slippage_magic"]})
    with pytest.raises(ConfigError, match=UNKNOWN_MODEL):  # unvalidated construction too
        Costs.model_construct(models=("slippage_magic",)).kernel_params()
    with pytest.raises(TypeError):  # not a plug-in registry: nothing to register into
        COST_MODELS["slippage_magic"] = lambda c: HalfSpread(c.spread_bps)  # type: ignore[index]
    assert tuple(COST_MODELS) == COST_SLOTS == ("commission", "spread", "impact", "taxes", "borrow")


def test_models_left_out_cost_nothing() -> None:
    only_spread = Costs.defaults().replace(spread_bps=20.0, models=("spread",)).kernel_params()
    full = Costs.defaults().replace(spread_bps=20.0).kernel_params()
    assert only_spread[3] == full[3] == 10.0  # half spread in bp
    assert (np.delete(only_spread, 3) == 0).all()


# -- the engine charges what the plug-ins compute ------------------------------------------
COSTS = Costs(
    commission_bps=2.0,
    commission_per_share=0.005,
    min_commission=1.0,
    spread_bps=10.0,
    impact_coef=0.3,
    buy_tax_bps=5.0,
    sell_tax_bps=10.0,
    dividend_tax=0.15,
    borrow_bps=200.0,
)


def _run(seed: int = 0, costs: object = COSTS) -> tuple[Market, object]:
    """A 3-asset, 30-bar book: rebalanced targets with shorts plus explicit orders.

    A pays a dividend on day 10, B splits on day 15, C is delisted at -50 % on day 25.
    """
    rng = np.random.default_rng(seed)
    n_t, names = 30, ["A", "B", "C"]
    days = pd.bdate_range("2024-01-01", periods=n_t, tz="UTC")
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_t, 3)), axis=0))
    close[15:, 1] /= 2.0  # B splits 2-for-1 on day 15
    open_ = close * np.exp(rng.normal(0, 0.01, (n_t, 3)))
    rows = [
        {
            "ts": days[t],
            "symbol": s,
            "open": open_[t, j],
            "high": max(open_[t, j], close[t, j]) * 1.01,
            "low": min(open_[t, j], close[t, j]) * 0.99,
            "close": close[t, j],
            "volume": float(rng.integers(2_000, 20_000)),
        }
        for t in range(n_t)
        for j, s in enumerate(names)
        if s != "C" or t <= 25  # C is delisted on day 25
    ]
    actions = conform(
        pd.DataFrame(
            {
                "ts": [days[10], days[15], days[25]],
                "symbol": ["A", "B", "C"],
                "action": ["dividend", "split", "delist"],
                "value": [0.8, 2.0, -0.5],
            }
        ),
        "corporate_actions",
    )
    market = Market.from_bars(conform(pd.DataFrame(rows), "bars"), actions=actions, window=5)
    w = pd.DataFrame(rng.uniform(-0.6, 0.6, (6, 3)), index=days[::5], columns=names)
    orders = conform(
        pd.DataFrame(
            {
                "ts": days[[2, 4, 8, 12]],
                "symbol": ["A", "B", "C", "A"],
                "quantity": [300.0, -200.0, 150.0, -250.0],
                "order_type": ["market", "limit", "stop", "iceberg"],
                "limit_price": [np.nan, close[4, 1] * 1.005, np.nan, close[12, 0] * 1.002],
                "stop_price": [np.nan, np.nan, close[8, 2] * 1.01, np.nan],
                "display": [np.nan, np.nan, np.nan, 60.0],
                "expires": [pd.NaT] * 4,
            }
        ),
        "orders",
    )
    ex = Execution(participation=0.05, queue_ahead=0.02)
    return market, simulate(w, market, costs, 1e5, orders=orders, execution=ex)  # type: ignore[arg-type]


def test_plugins_reproduce_the_costs_the_engine_charged() -> None:
    market, res = _run()
    trades = res.trades
    closeouts = trades["order_id"] == -2
    assert closeouts.sum() == 1 and (trades.loc[closeouts, "commission":"tax_cost"] == 0).all(None)
    fills = trades[~closeouts]
    assert len(fills) > 20 and (fills["order_id"] >= 0).sum() >= 4
    t = market.ts.get_indexer(pd.DatetimeIndex(fills["ts"]))
    j = pd.Index(market.symbols).get_indexer(fills["symbol"])
    adv = market.adv[t, j]
    frame = fills.assign(
        adv=np.where(np.isnan(adv), market.volume[t, j], adv),  # no history: the bar's volume
        sigma=market.sigma[t, j],
    )
    column = {"commission": "commission", "spread": "spread_cost", "impact": "impact_cost"}
    column["taxes"] = "tax_cost"
    for model in COSTS.build():
        if model.slot == "borrow":
            continue
        np.testing.assert_allclose(
            model.cost(frame), frame[column[model.slot]], rtol=1e-12, err_msg=model.slot
        )
        per_bar = frame.groupby("ts")[column[model.slot]].sum()
        charged = res.costs[model.slot]
        if model.slot == "taxes":  # the taxes slot also holds the dividend withholding
            charged = charged - 0.15 * res.dividends.clip(lower=0.0)
        np.testing.assert_allclose(
            charged.loc[per_bar.index], per_bar, rtol=1e-9, atol=1e-12, err_msg=model.slot
        )
        assert charged.drop(per_bar.index).abs().max() < 1e-12


def test_borrow_plugin_reproduces_the_carry_the_engine_charged() -> None:
    market, res = _run()
    last = res.market.panel("close").ffill()  # no missing bars here
    short_value = (-res.positions.clip(upper=0.0) * last).to_numpy()
    years = np.broadcast_to(market.years[:, None], short_value.shape)
    rows = pd.DataFrame({"short_value": short_value.ravel(), "years": years.ravel()})
    fee = Borrow(annual_bps=200.0).cost(rows).reshape(short_value.shape).sum(axis=1)
    assert fee.sum() > 0
    np.testing.assert_allclose(res.costs["borrow"].to_numpy(), fee, rtol=1e-12)


def test_attribution_sums_to_the_equity_change() -> None:
    _, res = _run()
    a = res.attribution
    change = np.diff(np.r_[res.initial_capital, res.equity.to_numpy()])
    np.testing.assert_allclose(a["net"], change, rtol=1e-12)
    parts = a.drop(columns="net").sum(axis=1)
    np.testing.assert_allclose(parts, a["net"], rtol=1e-9, atol=1e-9)
    assert (a[["commission", "spread", "impact", "taxes", "borrow"]] <= 0).all(None)
    assert a["dividends"].abs().sum() > 0 and a["borrow"].sum() < 0


def test_price_attribution_is_mark_to_market_of_positions_and_fills() -> None:
    market, res = _run(seed=1)
    close = market.panel("close").to_numpy()
    pos = res.positions.to_numpy()
    prev_pos = np.vstack([np.zeros((1, pos.shape[1])), pos[:-1]]) * market.split
    prev_close = np.vstack([close[:1], close[:-1]]) / market.split
    price = np.nansum(prev_pos * (close - prev_close), axis=1)  # held over the bar
    t = market.ts.get_indexer(pd.DatetimeIndex(res.trades["ts"]))
    j = pd.Index(market.symbols).get_indexer(res.trades["symbol"])
    fill_pnl = res.trades["quantity"] * (close[t, j] - res.trades["price"])  # bought below close
    np.add.at(price, t, fill_pnl.to_numpy())
    np.testing.assert_allclose(res.attribution["price"], price, rtol=1e-9, atol=1e-6)


# -- a cost model is explicit: every rate stated, or a named base -------------------------
ZERO_REQUESTS = [
    Costs.zero(),
    {"base": "zero"},
    dict.fromkeys(RATE_FIELDS, 0.0),  # every rate stated
    {"base": "default", "commission_bps": 0, "spread_bps": 0, "impact_coef": 0, "borrow_bps": 0},
]


@pytest.mark.parametrize("request_", ZERO_REQUESTS, ids=["zero()", "base zero", "all", "default-"])
def test_a_zero_cost_request_charges_exactly_zero(request_: object) -> None:
    """Issue 11: {"commission_bps": 0, "spread_bps": 0} still paid impact and borrow."""
    _, res = _run(costs=request_)
    assert len(res.trades) > 20 and (res.positions < 0).to_numpy().any()  # shorts pay borrow
    assert (res.costs.to_numpy() == 0.0).all()  # exactly, not approximately
    assert (res.trades[["commission", "spread_cost", "impact_cost", "tax_cost"]] == 0.0).all(None)
    assert (res.gross_returns == res.returns).all()
    assert res.cost_model == Costs.zero()
    _, paid = _run()  # the same book with costs does pay: the check can fail
    assert (paid.costs.sum() > 0).all()


def test_a_partial_mapping_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(ConfigError) as info:
        _run(costs={"commission_bps": 0, "spread_bps": 0})
    text = str(info.value)
    assert "leave out commission_per_share, min_commission, impact_coef" in text
    assert "borrow_bps" in text and '{"base": "zero", ...}' in text and "Costs.defaults()" in text
    with pytest.raises(ValueError, match="leave out"):  # constructing one directly too
        Costs(commission_bps=0.0)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="leave out"):
        Costs()
    with pytest.raises(ConfigError, match="unknown cost base 'none'"):
        as_costs({"base": "none"})


def test_a_base_fills_only_the_rates_left_out() -> None:
    defaults = Costs.defaults()
    assert (defaults.commission_bps, defaults.spread_bps, defaults.impact_coef) == (1.0, 5.0, 0.1)
    assert defaults.borrow_bps == 50.0 and as_costs(None) == defaults
    mixed = as_costs({"base": "default", "commission_bps": 0})
    assert mixed == defaults.replace(commission_bps=0.0)
    assert mixed.model_dump() == defaults.model_dump() | {"commission_bps": 0.0}
    assert as_costs({"base": "zero", "spread_bps": 8}).kernel_params()[3] == 4.0  # half spread
    assert (np.delete(as_costs({"base": "zero", "spread_bps": 8}).kernel_params(), 3) == 0).all()
    assert "base" not in mixed.model_dump()  # the model holds resolved rates only
    with pytest.raises(ConfigError, match="invalid cost change"):
        defaults.replace(commision_bps=0.0)  # a typo is refused, not merged


def test_the_result_and_its_report_record_every_field_of_the_cost_model() -> None:
    _, res = _run(costs={"base": "default", "spread_bps": 12.0})
    assert res.cost_model == Costs.defaults().replace(spread_bps=12.0)
    report = backtest_report(res)
    assert set(report["cost_model"]) == {*RATE_FIELDS, "models"}
    assert report["cost_model"]["spread_bps"] == 12.0 and report["cost_model"]["borrow_bps"] == 50
