"""Numba rolling kernels against pandas' rolling windows (min_periods = window)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.features import rolling
from mi_kernel.features.sessions import Sessions


def _panel(seed: int, n: int, m: int, nan_share: float, level: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = level + np.cumsum(rng.normal(0, 1, (n, m)), axis=0)
    x[rng.random((n, m)) < nan_share] = np.nan
    return x


def _exact(x: np.ndarray, window: int, ddof: int) -> tuple[np.ndarray, np.ndarray]:
    """Two-pass mean and std of every full window (the oracle), NaN if it holds a NaN."""
    mean, std = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    if len(x) >= window:
        win = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)
        mean[window - 1 :] = win.mean(axis=-1)
        if window > ddof:
            std[window - 1 :] = win.std(axis=-1, ddof=ddof)
    return mean, std


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 300),
    window=st.integers(1, 40),
    ddof=st.sampled_from([0, 1]),
    nan_share=st.sampled_from([0.0, 0.02, 0.3]),
    level=st.sampled_from([0.0, 1e4]),
)
def test_rolling_mean_std_match_an_exact_two_pass(
    seed: int, n: int, window: int, ddof: int, nan_share: float, level: float
) -> None:
    x = _panel(seed, n, 3, nan_share, level)
    mean, std = rolling.rolling_moments(x, window, ddof, rolling.MEAN_STD)
    exp_mean, exp_std = _exact(x, window, ddof)
    scale = 1.0 + np.nanmax(np.abs(x), initial=0.0)  # a mean near 0 has absolute error only
    np.testing.assert_allclose(mean, exp_mean, rtol=1e-12, atol=1e-13 * scale)
    np.testing.assert_allclose(std, exp_std, rtol=1e-7, atol=1e-9)
    assert np.array_equal(np.isnan(std), np.isnan(exp_std))
    assert rolling.rolling_moments(x, window, ddof, rolling.MEAN)[1].shape == (0, 3)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 120),
    window=st.integers(3, 30),
    nan_share=st.sampled_from([0.0, 0.05]),
)
def test_rolling_beta_matches_pandas_cov_over_var(
    seed: int, n: int, window: int, nan_share: float
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.01, (n, 2))
    y = 1.5 * x + rng.normal(0, 0.01, (n, 2))
    y[rng.random((n, 2)) < nan_share] = np.nan
    beta, _ = rolling.rolling_beta(y, x, window)
    both = ~(np.isnan(x) | np.isnan(y))
    fx, fy = pd.DataFrame(np.where(both, x, np.nan)), pd.DataFrame(np.where(both, y, np.nan))
    cov = fy.rolling(window, min_periods=window).cov(fx, pairwise=False)
    var = fx.rolling(window, min_periods=window).var()
    np.testing.assert_allclose(beta, (cov / var).to_numpy(), rtol=1e-7, atol=1e-9)


def test_ewm_matches_pandas_adjust_false() -> None:
    x = _panel(1, 200, 3, 0.0, 100.0)
    got = rolling.ewm(x, 0.2, 5)
    expected = pd.DataFrame(x).ewm(alpha=0.2, adjust=False, min_periods=5).mean().to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_ewm_restarts_after_a_nan() -> None:
    x = np.array([[1.0], [2.0], [np.nan], [10.0], [20.0]])
    got = rolling.ewm(x, 0.5, 2)[:, 0]
    np.testing.assert_allclose(got, [np.nan, 1.5, np.nan, np.nan, 15.0])


def test_sessions_find_gappy_columns_and_round_trip() -> None:
    mask = np.array(
        [[False, True, True], [True, True, False], [True, False, True], [True, False, True]]
    )
    s = Sessions.from_mask(mask)
    assert list(s.gappy) == [2]  # column 1 only ends early: no gap
    panel = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(s.compress(panel), [[2.0], [8.0], [11.0]])


def test_a_window_of_identical_values_is_exact() -> None:
    x = np.r_[np.random.default_rng(0).uniform(0, 1e-3, 30), np.zeros(25), [0.3] * 25][:, None]
    mean, std = rolling.rolling_moments(x, 20, 1, rolling.MEAN_STD)
    assert mean[54, 0] == 0.0 and std[54, 0] == 0.0  # 20 zeros: no rounding residue
    assert mean[79, 0] == 0.3 and std[79, 0] == 0.0
    assert std[40, 0] > 0.0
