"""Hand-computed oracles and properties of the performance metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel import metrics as m
from mi_kernel.errors import ConfigError

R = np.array([0.01, 0.02, -0.01, 0.00])


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (pd.bdate_range("2020-01-01", periods=300, tz="UTC"), 252.0),
        (pd.date_range("2020-01-01", periods=300, freq="D", tz="UTC"), 365.0),
        (pd.date_range("2020-01-01", periods=60, freq="W-FRI", tz="UTC"), 52.0),
        (pd.date_range("2020-01-01", periods=40, freq="ME", tz="UTC"), 12.0),
        (pd.date_range("2020-01-01", periods=20, freq="QE", tz="UTC"), 4.0),
        (pd.date_range("2000-01-01", periods=10, freq="YE", tz="UTC"), 1.0),
    ],
)
def test_infer_periods_per_year(index: pd.DatetimeIndex, expected: float) -> None:
    assert m.infer_periods_per_year(index) == expected


def test_infer_periods_refuses_to_guess() -> None:
    with pytest.raises(ConfigError, match="periods_per_year"):
        m.infer_periods_per_year(pd.RangeIndex(10))
    with pytest.raises(ConfigError, match="median spacing"):
        m.infer_periods_per_year(pd.date_range("2020-01-01", periods=10, freq="14D"))
    with pytest.raises(ConfigError, match="periods_per_year"):
        m.sharpe(R)  # a plain array has no calendar: never a silent 252


def test_hand_computed_metrics() -> None:
    # mean 0.005, sample var = (0.005^2 + 0.015^2 + 0.015^2 + 0.005^2) / 3 = 0.0005 / 3
    assert m.sharpe(R, 252) == pytest.approx(0.005 / np.sqrt(0.0005 / 3) * np.sqrt(252))
    assert m.annual_volatility(R, 252) == pytest.approx(np.sqrt(0.0005 / 3) * np.sqrt(252))
    # downside deviation sqrt(0.01^2 / 4) = 0.005
    assert m.sortino(R, 252) == pytest.approx(np.sqrt(252))
    assert m.max_drawdown([0.1, -0.5, 0.2]) == pytest.approx(-0.5)
    assert m.max_drawdown([0.1, 0.2]) == 0.0
    assert m.annual_return([0.1, 0.1], periods_per_year=2) == pytest.approx(0.21)
    assert m.annual_return([0.1, 0.1], periods_per_year=1) == pytest.approx(0.1)
    # CAGR over 3 yearly periods: (1.1 * 0.5 * 1.2)^(1/3) - 1, over |-0.5|
    assert m.calmar([0.1, -0.5, 0.2], 1) == pytest.approx(((0.66) ** (1 / 3) - 1) / 0.5)
    assert m.hit_rate([0.1, 0.0, -0.1, 0.2]) == pytest.approx(2 / 3)


def test_series_infer_their_calendar() -> None:
    idx = pd.date_range("2020-01-31", periods=4, freq="ME", tz="UTC")
    assert m.sharpe(pd.Series(R, index=idx)) == pytest.approx(m.sharpe(R, 12))


def test_drawdown_series_and_turnover() -> None:
    idx = pd.bdate_range("2024-01-01", periods=3, tz="UTC")
    dd = m.drawdown(pd.Series([0.1, -0.5, 0.2], index=idx))
    np.testing.assert_allclose(dd.to_numpy(), [0.0, -0.5, -0.4])
    w = pd.DataFrame({"A": [1.0, 0.5, 0.5], "B": [0.0, 0.5, np.nan]}, index=idx)
    np.testing.assert_allclose(m.turnover_from_weights(w).to_numpy(), [1.0, 1.0, 0.5])
    assert m.annual_turnover(pd.Series([1.0, 0.0, 0.5], index=idx)) == pytest.approx(0.5 * 252)


def test_summary_relative_metrics() -> None:
    rng = np.random.default_rng(0)
    idx = pd.bdate_range("2020-01-01", periods=500, tz="UTC")
    b = pd.Series(rng.normal(0.0004, 0.01, 500), index=idx)
    same = m.summary(b, b)
    assert same["beta"] == pytest.approx(1.0) and same["alpha"] == pytest.approx(0.0, abs=1e-12)
    assert same["tracking_error"] == pytest.approx(0.0, abs=1e-12)
    lev = m.summary(2 * b + 0.0001, b)
    assert lev["beta"] == pytest.approx(2.0)
    assert lev["alpha"] == pytest.approx(0.0001 * 252)
    assert lev["correlation"] == pytest.approx(1.0)
    keys = {"sharpe", "sortino", "max_drawdown", "annual_return", "calmar", "hit_rate", "psr"}
    assert keys <= set(m.summary(b))
    with pytest.raises(ConfigError, match="share"):
        m.summary(b, b.shift(5000, freq="D"))


small = st.floats(-0.2, 0.2, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(small, min_size=3, max_size=80), st.floats(0.1, 10))
def test_properties(rs: list[float], scale: float) -> None:
    r = np.asarray(rs)
    mdd = m.max_drawdown(r)
    assert -1.0 <= mdd <= 0.0
    sr = m.sharpe(r, 252)
    if np.isfinite(sr) and np.std(r) > 1e-9:
        assert m.sharpe(r * scale, 252) == pytest.approx(sr, rel=1e-9, abs=1e-9)
    hr = m.hit_rate(r)
    assert np.isnan(hr) or 0.0 <= hr <= 1.0
