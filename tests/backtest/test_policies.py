"""Risk policies acting inside the simulation: hand-computed tiny books, properties, timing.

Unless said otherwise: no costs, no capacity cap, fills at the close, ``lag=0`` (a weights row
dated bar ``t`` trades on bar ``t``), 10,000 of capital; A trades around 100, B sits at 50.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mi_kernel.backtest import NO_COSTS, BacktestResult, Costs, Execution, Market, simulate
from mi_kernel.backtest import _engine as kernel
from mi_kernel.errors import ConfigError
from mi_kernel.risk.policies import (
    EVENT_KINDS,
    KERNEL_PARAMS,
    Derisk,
    HardLimits,
    KillSwitch,
    LossBreaker,
    Policies,
)
from tests.backtest.conftest import make_bars, random_bars

FREE = Execution(participation=None, queue_ahead=0.0)


def book(
    prices: dict[str, list[float]],
    rows: dict[int, dict[str, float]],
    policies: Policies | dict | None,
    **kwargs,
) -> BacktestResult:
    """Trade weight rows {bar: {symbol: weight}} (missing symbols: no instruction)."""
    market = Market.from_bars(make_bars(prices))
    weights = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(prices))
    weights.index = market.ts[list(rows)]
    kwargs = {"execution": FREE, "lag": 0} | kwargs
    return simulate(weights, market, NO_COSTS, 1e4, policies=policies, **kwargs)


def traded_bars(res: BacktestResult) -> list[int]:
    return sorted(set(res.equity.index.get_indexer(pd.DatetimeIndex(res.trades["ts"]))))


def events(res: BacktestResult) -> list[tuple]:
    """(bar, policy, action, measure, symbol, value, threshold) per event, values rounded
    (a threshold that does not apply, NaN, as None)."""
    ev = res.policy_events
    assert ev is not None
    bars = res.equity.index.get_indexer(pd.DatetimeIndex(ev["ts"]))
    return [
        (
            int(b),
            r.policy,
            r.action,
            r.measure,
            r.symbol,
            round(r.value, 6),
            None if np.isnan(r.threshold) else round(r.threshold, 6),
        )
        for b, r in zip(bars, ev.itertuples(), strict=True)
    ]


# -- kill switch ----------------------------------------------------------------------------
CRASH = {"A": [100.0, 100.0, 90.0, 80.0, 85.0, 90.0], "B": [50.0] * 6}
HOLD_A = {0: {"A": 1.0, "B": 0.0}, 4: {"A": 0.5}}  # bar 4 asks to sell half of A


def test_kill_switch_fires_on_the_bar_after_the_drawdown_and_halts_every_later_order() -> None:
    res = book(CRASH, HOLD_A, Policies(kill_switch=KillSwitch(max_drawdown=0.05)))
    # drawdown 10 % at the close of bar 2 (9,000 / 10,000): the switch is on from bar 3
    assert events(res) == [(3, "kill_switch", "halt", "drawdown", None, 0.1, 0.05)]
    assert traded_bars(res) == [0]  # bar 4's row is not traded
    assert res.positions["A"].tolist() == [100.0] * 6  # positions are kept, not flattened
    np.testing.assert_allclose(res.equity, [1e4, 1e4, 9000, 8000, 8500, 9000])
    assert "rest of the run" in res.policy_events["message"].iloc[0]
    unpoliced = book(CRASH, HOLD_A, None)
    assert traded_bars(unpoliced) == [0, 4]  # the switch is what stopped bar 4


def test_kill_switch_with_flatten_sells_the_book_on_the_bar_it_fires() -> None:
    kill = KillSwitch(max_drawdown=0.05, flatten=True)
    res = book(CRASH, HOLD_A, Policies(kill_switch=kill))
    assert res.trades[["quantity", "price"]].values.tolist() == [[100.0, 100.0], [-100.0, 80.0]]
    assert traded_bars(res) == [0, 3]
    np.testing.assert_allclose(res.equity, [1e4, 1e4, 9000, 8000, 8000, 8000])
    assert res.policy_events["action"].tolist() == ["flatten"]


def test_kill_switch_released_after_reset_after_bars_resumes_the_last_targets() -> None:
    kill = KillSwitch(max_bar_loss=0.08, reset_after=2)
    res = book(CRASH, HOLD_A, Policies(kill_switch=kill))
    # bar 2 lost 10 %: on for bars 3 and 4; released on bar 5 (bar 4 gained: no new fire)
    assert events(res) == [
        (3, "kill_switch", "halt", "bar_loss", None, 0.1, 0.08),
        (5, "kill_switch", "reset", "bars", None, 2.0, None),
    ]
    # bar 4's row (A at 0.5) was refused while on; on release the book goes to it:
    # 0.5 * 9,000 / 90 = 50 shares, so 50 of the 100 are sold at 90 on bar 5
    assert traded_bars(res) == [0, 5]
    assert res.trades["quantity"].tolist() == [100.0, -50.0]


def test_a_blocked_bar_drops_arriving_orders_and_cancels_working_ones() -> None:
    market = Market.from_bars(make_bars(CRASH))
    orders = pd.DataFrame(
        {
            "ts": market.ts[[1, 4]],
            "symbol": ["B", "B"],
            "quantity": [10.0, 10.0],
            "order_type": ["limit", "market"],
            "limit_price": [40.0, np.nan],  # never reached: still working on bar 3
            "stop_price": np.nan,
            "display": np.nan,
            "expires": pd.NaT,
        }
    )
    weights = pd.DataFrame({"A": [1.0]}, index=market.ts[:1])
    kill = Policies(kill_switch=KillSwitch(max_drawdown=0.05))
    kw = {"orders": orders, "execution": FREE, "lag": 0}
    free = simulate(weights, market, NO_COSTS, 1e4, **kw)
    res = simulate(weights, market, NO_COSTS, 1e4, policies=kill, **kw)
    assert (free.trades["symbol"] == "B").sum() == 1  # the market order fills on bar 4
    assert (res.trades["symbol"] == "B").sum() == 0


# -- de-risking -----------------------------------------------------------------------------
def test_derisk_scales_the_book_by_the_schedule_and_sells() -> None:
    prices = {"A": [100.0, 100.0, 94.0, 94.0, 84.0, 84.0], "B": [50.0] * 6}
    derisk = Derisk(schedule=[(0.05, 0.5), (0.10, 0.0)], hysteresis=0.02)
    res = book(prices, {0: {"A": 1.0, "B": 0.0}}, Policies(derisk=derisk))
    # drawdown 6 % after bar 2 -> half from bar 3: 0.5 * 9,400 / 94 = 50 shares (50 sold);
    # after bar 4 the equity is 4,700 + 50 * 84 = 8,900, drawdown 11 % -> 0 from bar 5
    assert res.exposure_scale.tolist() == [1.0, 1.0, 1.0, 0.5, 0.5, 0.0]
    assert res.positions["A"].tolist() == [100.0, 100.0, 100.0, 50.0, 50.0, 0.0]
    assert res.trades["quantity"].tolist() == [100.0, -50.0, -50.0]
    assert events(res) == [
        (3, "derisk", "scale_down", "drawdown", None, 0.06, 0.05),
        (5, "derisk", "scale_down", "drawdown", None, 0.11, 0.1),
    ]
    assert res.weights.sum(axis=1).iloc[3] == pytest.approx(0.5)
    assert "scaled to 50.00 %" in res.policy_events["message"].iloc[0]


SAW = {"A": [100.0, 100.0, 94.0, 98.0, 90.0, 98.0, 90.0, 98.0], "B": [50.0] * 8}


def test_without_hysteresis_the_scale_flaps_around_the_threshold() -> None:
    res = book(SAW, {0: {"A": 1.0}}, Policies(derisk=Derisk(schedule=[(0.05, 0.5)])))
    # 6 % down after bar 2 -> 0.5 (50 shares at 98: equity 9,800, 2 % down) -> back to 1 on
    # bar 4 (9,400 / 90 = 104.44 shares, 6 % down) -> 0.5 on bar 5 (new peak) -> 1 on bar 6
    assert res.exposure_scale.tolist() == [1, 1, 1, 0.5, 1, 0.5, 1, 1]
    assert [e[2] for e in events(res)] == ["scale_down", "scale_up", "scale_down", "scale_up"]
    np.testing.assert_allclose(res.positions["A"].iloc[3:6], [50.0, 9400 / 90, 52.2222], rtol=1e-5)


def test_hysteresis_keeps_the_scale_down_until_the_drawdown_really_recovers() -> None:
    derisk = Derisk(schedule=[(0.05, 0.5)], hysteresis=0.04)  # back up only below 1 %
    res = book(SAW, {0: {"A": 1.0}}, Policies(derisk=derisk))
    assert res.exposure_scale.tolist() == [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5]
    assert events(res) == [(3, "derisk", "scale_down", "drawdown", None, 0.06, 0.05)]
    assert traded_bars(res) == [0, 3]


# -- circuit breaker ------------------------------------------------------------------------
def test_circuit_breaker_blocks_orders_for_the_cooldown_then_resumes() -> None:
    prices = {"A": [100.0, 100.0, 95.0, 90.0, 90.0, 90.0, 90.0], "B": [50.0] * 7}
    rows = {t: {"A": 1.0 if t % 2 == 0 else 0.9} for t in range(7)}  # a trade every bar
    breaker = LossBreaker(window=2, max_loss=0.08, cooldown=2)
    res = book(prices, rows, Policies(circuit_breaker=breaker))
    # equity: 10,000, 10,000, 9,550, 9,047.37: bar 3 lost 9.53 % over 2 bars (from bar 1)
    e3 = 9550 - 9550 / 95 * 5
    assert events(res) == [
        (4, "circuit_breaker", "trip", "window_loss", None, round(1 - e3 / 1e4, 6), 0.08),
        (6, "circuit_breaker", "reset", "bars", None, 2.0, None),
    ]
    assert traded_bars(res) == [0, 1, 2, 3, 6]  # nothing on bars 4 and 5


# -- hard limits ----------------------------------------------------------------------------
FLAT = {"A": [100.0] * 3, "B": [100.0] * 3}


def test_pre_trade_clip_caps_positions_then_scales_the_gross() -> None:
    limits = HardLimits(max_gross=0.8, max_position=0.5)
    res = book(FLAT, {0: {"A": 0.6, "B": 0.6}}, Policies(hard_limits=limits))
    # |w| capped at 0.5, then the gross 1.0 scaled to 0.8: 0.4 each = 40 shares at 100
    assert res.positions.iloc[0].tolist() == [40.0, 40.0]
    assert events(res) == [
        (0, "hard_limits", "clip", "position", "A", 0.6, 0.5),
        (0, "hard_limits", "clip", "gross", None, 1.0, 0.8),
    ]


def test_pre_trade_clip_applies_to_the_whole_book_a_partial_row_asks_for() -> None:
    limits = HardLimits(max_gross=0.8)
    res = book(FLAT, {0: {"A": 0.5}, 1: {"B": 0.5}}, Policies(hard_limits=limits))
    # bar 1 names only B, but A's 0.5 stays intended: gross 1.0 -> both at 0.4
    assert res.positions["A"].tolist() == [50.0, 40.0, 40.0]
    assert res.positions["B"].tolist() == [0.0, 40.0, 40.0]


def test_pre_trade_refuse_ignores_the_row_and_keeps_the_previous_targets() -> None:
    limits = HardLimits(max_gross=0.8, max_position=0.5, pre_trade="refuse")
    rows = {0: {"A": 0.6, "B": 0.6}, 1: {"A": 0.4, "B": 0.4}}
    res = book(FLAT, rows, Policies(hard_limits=limits))
    assert traded_bars(res) == [1]
    assert res.positions.iloc[1].tolist() == [40.0, 40.0]
    assert events(res) == [
        (0, "hard_limits", "refuse", "position", "A", 0.6, 0.5),
        (0, "hard_limits", "refuse", "gross", None, 1.2, 0.8),
    ]


def test_post_trade_drift_is_flagged_on_every_bar_but_not_traded() -> None:
    prices = {"A": [100.0, 150.0, 150.0], "B": [100.0] * 3}
    limits = HardLimits(max_position=0.55, max_gross=1.0)
    res = book(prices, {0: {"A": 0.5, "B": 0.5}}, Policies(hard_limits=limits))
    # after bar 1: A is worth 7,500 of 12,500 = 0.6; the gross stays 1.0 (not beyond)
    assert events(res) == [
        (1, "hard_limits", "breach", "position", "A", 0.6, 0.55),
        (2, "hard_limits", "breach", "position", "A", 0.6, 0.55),
    ]
    assert traded_bars(res) == [0]
    assert "not acted upon" in res.policy_events["message"].iloc[0]


# -- properties -----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    hysteresis=st.sampled_from([0.0, 0.005, 0.015]),
    every=st.integers(1, 6),
)
def test_derisking_never_raises_the_scale_while_the_drawdown_deepens(
    seed, hysteresis, every
) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    steps = rng.normal(-0.004, 0.03, (n, 2))  # a falling market: drawdowns on most paths
    paths = 100 * np.exp(np.cumsum(steps, axis=0))
    market = Market.from_bars(make_bars({"A": paths[:, 0], "B": paths[:, 1]}))
    weights = pd.DataFrame({"A": 0.8, "B": 0.6}, index=market.ts[::every])
    derisk = Derisk(schedule=[(0.02, 0.75), (0.05, 0.5), (0.1, 0.2)], hysteresis=hysteresis)
    res = simulate(weights, market, Costs.defaults(), 1e4, policies=Policies(derisk=derisk))
    equity = np.r_[1e4, res.equity.to_numpy()]  # from the initial capital
    peak = np.maximum.accumulate(equity)
    dd = (peak - equity) / peak  # dd[t + 1]: after bar t
    scale = res.exposure_scale.to_numpy()
    for t in range(1, n):
        if dd[t] > dd[t - 1]:  # deeper after bar t - 1 than after bar t - 2
            assert scale[t] <= scale[t - 1]
        # never above the schedule's scale at the drawdown it knows
        reached = [s for level, s in derisk.schedule if dd[t] >= level]
        assert scale[t] <= (reached[-1] if reached else 1.0)


def _shift_after(bars: pd.DataFrame, cut: pd.Timestamp, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    later = bars["ts"] > cut
    out = bars.copy()
    shock = rng.uniform(0.6, 1.4, later.sum())
    for col in ("open", "high", "low", "close"):
        out.loc[later, col] = out.loc[later, col] * shock
    return out


EVERY_POLICY = Policies(
    kill_switch=KillSwitch(max_drawdown=0.045, reset_after=4),
    derisk=Derisk(schedule=[(0.02, 0.75), (0.04, 0.5)], hysteresis=0.01),
    circuit_breaker=LossBreaker(window=3, max_loss=0.03, cooldown=2),
    hard_limits=HardLimits(max_gross=1.2, max_position=0.45),
)


@settings(max_examples=15, deadline=None)
@given(cut_at=st.integers(20, 70), seed=st.integers(0, 10_000))
def test_policy_decisions_use_no_price_after_the_previous_close(cut_at, seed) -> None:
    """Prices after bar ``cut`` change no decision up to bar ``cut + 1`` (made at its open)."""
    bars = random_bars(3, n_days=80, n_assets=3)
    days = pd.DatetimeIndex(bars["ts"].unique())
    cut = days[cut_at]
    weights = pd.DataFrame(0.5, index=days[::5], columns=["S0", "S1", "S2"])
    costs = Costs.defaults()
    base = simulate(weights, bars, costs, 1e5, policies=EVERY_POLICY)
    moved = simulate(weights, _shift_after(bars, cut, seed), costs, 1e5, policies=EVERY_POLICY)

    def decided(res: BacktestResult, last: pd.Timestamp) -> pd.DataFrame:
        ev = res.policy_events
        post = ev["action"] == "breach"  # measured at the bar's own close
        keep = (ev["ts"] <= last) & ~post | (ev["ts"] <= cut) & post
        return ev[keep].reset_index(drop=True)

    pd.testing.assert_frame_equal(decided(moved, days[cut_at + 1]), decided(base, days[cut_at + 1]))
    pd.testing.assert_series_equal(
        moved.exposure_scale.iloc[: cut_at + 2], base.exposure_scale.iloc[: cut_at + 2]
    )
    np.testing.assert_allclose(moved.equity.loc[:cut], base.equity.loc[:cut], rtol=1e-12)
    assert set(base.policy_events["policy"]) == {  # every policy acted in the base run
        "kill_switch",
        "derisk",
        "circuit_breaker",
        "hard_limits",
    }
    assert not moved.exposure_scale.iloc[cut_at + 2 :].empty


# -- configuration --------------------------------------------------------------------------
def test_no_policies_and_all_off_policies_give_the_unpoliced_run() -> None:
    rows = {0: {"A": 1.0, "B": 0.0}, 4: {"A": 0.5}}
    none, off = book(CRASH, rows, None), book(CRASH, rows, Policies())
    pd.testing.assert_series_equal(none.equity, off.equity)
    pd.testing.assert_frame_equal(none.trades, off.trades)
    assert none.policy_events is not None and none.policy_events.empty
    assert list(none.policy_events.columns) == [
        "ts",
        "policy",
        "action",
        "measure",
        "symbol",
        "value",
        "threshold",
        "message",
    ]
    assert (none.exposure_scale == 1.0).all()


def test_simulate_takes_policies_as_a_dict() -> None:
    as_dict = {"derisk": {"schedule": [[0.05, 0.5], [0.1, 0.0]]}}
    res = book(CRASH, HOLD_A, as_dict)
    # drawdown exactly 10 % after bar 2: the second level (>= 10 %) from bar 3
    assert res.exposure_scale.tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert res.positions["A"].tolist() == [100.0, 100.0, 100.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Derisk(schedule=[(0.1, 0.5), (0.05, 0.2)]), "increase strictly"),
        (lambda: Derisk(schedule=[(0.05, 0.5), (0.1, 0.6)]), "decrease strictly"),
        (lambda: Derisk(schedule=[(0.05, 1.0)]), "[0, 1)"),
        (lambda: Derisk(schedule=[(0.05, 0.5)], hysteresis=-0.01), "hysteresis"),
        (lambda: Derisk(schedule=[(0.05, 0.5)], hysteresis=0.05), "first threshold"),
        (lambda: Derisk(schedule=[]), "schedule"),
        (lambda: LossBreaker(window=0, max_loss=0.1, cooldown=1), "window"),
        (lambda: LossBreaker(window=2, max_loss=0.1, cooldown=0), "cooldown"),
        (lambda: KillSwitch(), "needs a condition"),
        (lambda: KillSwitch(max_drawdown=0.1, reset_after=0), "reset_after"),
        (lambda: HardLimits(), "needs a limit"),
        (lambda: HardLimits(max_gross=1.0, pre_trade="scale"), "pre_trade"),
    ],
)
def test_invalid_policies_name_the_field(make, field) -> None:
    with pytest.raises(ValidationError, match=field.replace("[", r"\[").replace(")", r"\)")):
        make()


def test_simulate_refuses_bad_policies_with_a_config_error() -> None:
    with pytest.raises(ConfigError, match="kill_swich"):
        book(CRASH, HOLD_A, {"kill_swich": {"max_drawdown": 0.1}})
    limits = Policies(hard_limits=HardLimits(max_gross=1.0))
    with pytest.raises(ConfigError, match="sleeve"):
        book(CRASH, HOLD_A, limits, execution=Execution(sleeves=True))
    post_only = Policies(hard_limits=HardLimits(max_gross=1.0, pre_trade="off"))
    assert book(CRASH, HOLD_A, post_only, execution=Execution(sleeves=True)).equity.size == 6


def test_kernel_params_pack_by_the_kernels_indices() -> None:
    off = Policies().kernel_params()
    assert off.shape == (len(KERNEL_PARAMS),) == (kernel.Q_SCHEDULE,)
    assert np.isinf(off[[kernel.Q_KILL_DD, kernel.Q_MAX_GROSS, kernel.Q_KILL_RESET]]).all()
    assert off[kernel.Q_BREAK_WINDOW] == off[kernel.Q_PRE_TRADE] == 0.0
    on = EVERY_POLICY.kernel_params()
    names = {
        "kill_drawdown": kernel.Q_KILL_DD,
        "kill_reset_after": kernel.Q_KILL_RESET,
        "breaker_window": kernel.Q_BREAK_WINDOW,
        "breaker_loss": kernel.Q_BREAK_LOSS,
        "breaker_cooldown": kernel.Q_BREAK_COOLDOWN,
        "derisk_hysteresis": kernel.Q_HYSTERESIS,
        "max_gross": kernel.Q_MAX_GROSS,
        "max_position": kernel.Q_MAX_POS,
        "pre_trade": kernel.Q_PRE_TRADE,
        "post_trade": kernel.Q_POST_TRADE,
    }
    assert {k: on[i] for k, i in names.items()} == {
        "kill_drawdown": 0.045,
        "kill_reset_after": 4.0,
        "breaker_window": 3.0,
        "breaker_loss": 0.03,
        "breaker_cooldown": 2.0,
        "derisk_hysteresis": 0.01,
        "max_gross": 1.2,
        "max_position": 0.45,
        "pre_trade": kernel.PRE_CLIP,
        "post_trade": 1.0,
    }
    assert all(KERNEL_PARAMS.index(k) == i for k, i in names.items())
    assert on[kernel.Q_SCHEDULE :].tolist() == [0.02, 0.75, 0.04, 0.5]
    codes = {
        ("kill_switch", "halt", "drawdown"): kernel.EV_KILL_DRAWDOWN,
        ("circuit_breaker", "trip", "window_loss"): kernel.EV_BREAKER_TRIP,
        ("derisk", "scale_up", "drawdown"): kernel.EV_DERISK_UP,
        ("hard_limits", "clip", "gross"): kernel.EV_CLIP_GROSS,
        ("hard_limits", "breach", "gross"): kernel.EV_POST_GROSS,
    }
    assert all(EVENT_KINDS.index(kind) == code for kind, code in codes.items())
    assert len(EVENT_KINDS) == kernel.EV_POST_GROSS + 1
