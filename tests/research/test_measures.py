"""Hand-computed tiny cases and properties of the tear sheet's building blocks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.models.evaluate import cross_sectional_hit_rate
from mi_kernel.research import (
    assign_quantiles,
    forward_return_table,
    hit_rate,
    ic_by_date,
    ic_summary,
    lagged_returns,
    monotonicity,
    newey_west_se,
    precision_at_k,
    quantile_returns,
    quantile_turnover,
    rank_autocorrelation,
    regime_ic,
)

D1, D2, D3 = (
    pd.Timestamp("2024-01-02", tz="UTC"),
    pd.Timestamp("2024-01-03", tz="UTC"),
    pd.Timestamp("2024-01-04", tz="UTC"),
)


def long(rows: list[tuple[pd.Timestamp, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ts", "symbol", "score", "fwd_1d"])


def test_precision_at_k_hand_case() -> None:
    frame = long(
        [
            (D1, "A", 4.0, 10.0),  # top 2, beats the median 1.5
            (D1, "B", 3.0, -5.0),  # top 2, does not
            (D1, "C", 2.0, 3.0),
            (D1, "D", 1.0, 0.0),
            (D2, "A", 1.0, 1.0),
            (D2, "B", 2.0, 2.0),
            (D2, "C", 3.0, 3.0),
            (D2, "D", 4.0, 4.0),
        ]
    )
    p = precision_at_k(frame, "fwd_1d", k=2)
    assert p.to_dict() == {D1: 0.5, D2: 1.0}
    assert precision_at_k(frame, "fwd_1d", k=4).isna().all()  # top-4 of 4 is everything
    with pytest.raises(ConfigError):
        precision_at_k(frame, "fwd_1d", k=0)


def test_hit_rate_hand_case_and_pooled_agreement() -> None:
    frame = long(
        [
            (D1, "A", 4.0, 10.0),
            (D1, "B", 3.0, -5.0),
            (D1, "C", 2.0, 3.0),
            (D1, "D", 1.0, 0.0),
            (D2, "A", 1.0, 1.0),
            (D2, "B", 2.0, 2.0),
            (D2, "C", 3.0, 3.0),
        ]
    )
    # D1: score medians 2.5, return median 1.5: A hit, B miss, C miss, D hit -> 0.5
    # D2: B sits at both medians and is not counted; A and C are hits -> 1.0
    h = hit_rate(frame, "fwd_1d")
    assert h.to_dict() == {D1: 0.5, D2: 1.0}
    pooled = cross_sectional_hit_rate(frame["ts"], frame["score"], frame["fwd_1d"])
    assert pooled == pytest.approx(4 / 6)


def test_quantiles_hand_case() -> None:
    frame = long([(D1, s, float(i), float(10 * i)) for i, s in enumerate("ABCDEF")])
    frame = pd.concat([frame, long([(D2, "A", 1.0, 5.0)])], ignore_index=True)
    q = assign_quantiles(frame, 3)
    assert q.tolist()[:6] == [1, 1, 2, 2, 3, 3] and np.isnan(q.iloc[6])  # D2: too few names
    table = quantile_returns(frame, "fwd_1d", 3)
    assert table.loc[D1].tolist() == [5.0, 25.0, 45.0] and list(table.index) == [D1]
    assert monotonicity(table.loc[D1]) == pytest.approx(1.0)


def test_turnover_hand_case() -> None:
    frame = long(
        [
            (D1, "A", 1.0, 0.0),
            (D1, "B", 2.0, 0.0),
            (D1, "C", 3.0, 0.0),
            (D1, "D", 4.0, 0.0),
            (D2, "A", 4.0, 0.0),  # A jumps to the top, D falls to the bottom
            (D2, "B", 2.0, 0.0),
            (D2, "C", 3.0, 0.0),
            (D2, "D", 1.0, 0.0),
            (D3, "A", 40.0, 0.0),  # same order as D2
            (D3, "B", 20.0, 0.0),
            (D3, "C", 30.0, 0.0),
            (D3, "D", 10.0, 0.0),
        ]
    )
    top = quantile_turnover(frame, n_quantiles=2)  # top half: {C, D} -> {A, C} -> {A, C}
    assert np.isnan(top[D1]) and top[D2] == pytest.approx(0.5) and top[D3] == 0.0
    bottom = quantile_turnover(frame, n_quantiles=2, quantile=1)
    assert bottom[D2] == pytest.approx(0.5) and bottom[D3] == 0.0
    rho = rank_autocorrelation(frame)
    # ranks D1 (1,2,3,4) vs D2 (4,2,3,1): Spearman = 1 - 6 * (9 + 0 + 0 + 9) / (4 * 15) = -0.8
    assert np.isnan(rho[D1]) and rho[D2] == pytest.approx(-0.8) and rho[D3] == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="quantile"):
        quantile_turnover(frame, n_quantiles=2, quantile=3)


def test_ic_by_date_methods() -> None:
    frame = long(
        [(D1, s, x, y) for s, x, y in zip("ABCD", [1, 2, 3, 4], [1, 4, 9, 16], strict=True)]
    )
    assert ic_by_date(frame, "fwd_1d")[D1] == pytest.approx(1.0)
    expected = np.corrcoef([1, 2, 3, 4], [1, 4, 9, 16])[0, 1]
    assert ic_by_date(frame, "fwd_1d", "pearson")[D1] == pytest.approx(expected)
    with pytest.raises(ConfigError, match="method"):
        ic_by_date(frame, "fwd_1d", "kendall")
    with pytest.raises(DataError, match="no return column"):
        ic_by_date(frame, "fwd_9d")


def test_ic_summary_hand_case() -> None:
    ic = pd.Series([0.1, 0.2, 0.0, 0.1, np.nan])
    s = ic_summary(ic, lags=0)
    std = np.std([0.1, 0.2, 0.0, 0.1], ddof=1)
    assert (s.n, s.mean, s.std) == (4, pytest.approx(0.1), pytest.approx(std))
    assert s.t_stat == pytest.approx(0.1 / (std / 2))
    assert s.share_positive == 0.75 and s.nw_lags == 0
    # lag 0 Newey–West is the iid error with ddof 0
    assert s.nw_t_stat == pytest.approx(0.1 / (np.std([0.1, 0.2, 0.0, 0.1]) / 2))
    from scipy import stats

    assert s.p_value == pytest.approx(2 * stats.t.sf(s.t_stat, 3))
    x = np.array([1.0, 2.0, 3.0])
    # d = (-1, 0, 1); g0 = 2/3, g1 = (0*-1 + 1*0)/3 = 0, g2 = -1/3; L=2 weights 2/3, 1/3
    var = (2 / 3 + 2 * (2 / 3) * 0 + 2 * (1 / 3) * (-1 / 3)) / 3
    assert newey_west_se(x, 2) == pytest.approx(math.sqrt(var))
    assert math.isnan(ic_summary(pd.Series([0.3])).t_stat)


def test_regime_ic_split() -> None:
    idx = pd.bdate_range("2024-01-01", periods=6, tz="UTC")
    ic = pd.Series([0.1, 0.3, -0.1, -0.3, 0.2, 0.0], index=idx)
    regime = pd.Series(["calm", "calm", "storm", "storm", "calm", None], index=idx)
    table = regime_ic(ic, regime, lags=0)
    assert list(table.index) == ["calm", "storm"]
    assert table.loc["calm", "mean"] == pytest.approx(0.2) and table.loc["calm", "n"] == 3
    assert table.loc["storm", "mean"] == pytest.approx(-0.2)
    with pytest.raises(DataError, match="share no date"):
        regime_ic(ic, regime.set_axis(idx + pd.Timedelta(days=100)))


def test_lagged_returns_compound_to_forward_returns(planted) -> None:
    _, bars = planted
    bars = bars[bars["symbol"].isin(["S0001", "S0002", "S0003"])]
    fwd = forward_return_table(bars, [1, 3])
    lag = lagged_returns(bars, [1, 2, 3])
    both = fwd.merge(lag, on=["ts", "symbol"]).dropna()
    np.testing.assert_allclose(both["lag_1d"], both["fwd_1d"])
    growth = np.prod([1 + both[f"lag_{h}d"] / 1e4 for h in (1, 2, 3)], axis=0)
    np.testing.assert_allclose(growth, 1 + both["fwd_3d"] / 1e4, rtol=1e-9)


scores = st.lists(st.integers(-1000, 1000).map(float), min_size=6, max_size=30)


@settings(max_examples=40, deadline=None)
@given(a=scores, b=scores, seed=st.integers(0, 10))
def test_properties(a: list[float], b: list[float], seed: int) -> None:
    n = min(len(a), len(b))
    syms = [f"S{i:02d}" for i in range(n)]
    frame = pd.DataFrame(
        {
            "ts": [D1] * n + [D2] * n,
            "symbol": syms * 2,
            "score": a[:n] + b[:n],
            "fwd_1d": np.random.default_rng(seed).normal(size=2 * n),
        }
    )
    shuffled = frame.sample(frac=1.0, random_state=seed)
    for measure in (rank_autocorrelation, quantile_turnover):
        s = measure(shuffled)
        assert s.dropna().between(-1 - 1e-9, 1 + 1e-9).all()
    p = precision_at_k(frame, "fwd_1d", k=3).dropna()
    assert p.between(0, 1).all()
    # IC does not depend on row order, and is invariant to monotone transforms of the score
    pd.testing.assert_series_equal(ic_by_date(frame, "fwd_1d"), ic_by_date(shuffled, "fwd_1d"))
    cubed = frame.assign(score=frame["score"] ** 3)
    pd.testing.assert_series_equal(ic_by_date(frame, "fwd_1d"), ic_by_date(cubed, "fwd_1d"))
