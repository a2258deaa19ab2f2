"""regime_weights: hand-computed past means per regime, blended by probability, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.regimes import regime_weights

DATES = pd.bdate_range("2021-01-04", periods=6, tz="UTC")


@pytest.fixture
def hard_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    ic = pd.DataFrame({"a": [0.1, 0.3, -0.2, 0.5, np.nan, 0.0]}, index=DATES)
    state1 = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.5])
    proba = pd.DataFrame({"state_0": 1 - state1, "state_1": state1}, index=DATES)
    return ic, proba


def test_hand_case_lag_one(hard_case) -> None:
    ic, proba = hard_case
    out = regime_weights(ic, proba, lag=1, min_weight=1.0)
    w0 = out.per_regime[("state_0", "a")].to_numpy()
    w1 = out.per_regime[("state_1", "a")].to_numpy()
    uncond = out.unconditional["a"].to_numpy()
    # t=0: nothing known; t=1: IC_0 (state 0) known; state 1 has no history -> unconditional.
    np.testing.assert_allclose(uncond, [np.nan, 0.1, 0.2, 0.2 / 3, 0.7 / 4, 0.7 / 4])
    np.testing.assert_allclose(w0, [np.nan, 0.1, 0.2, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(w1, [np.nan, 0.1, 0.2, -0.2, 0.15, 0.15])
    blended = out.blended["a"].to_numpy()
    np.testing.assert_allclose(blended, [np.nan, 0.1, 0.2, -0.2, 0.2, 0.5 * 0.2 + 0.5 * 0.15])


def test_min_weight_falls_back_to_unconditional(hard_case) -> None:
    ic, proba = hard_case
    out = regime_weights(ic, proba, lag=1, min_weight=3.0)
    np.testing.assert_allclose(
        out.per_regime[("state_1", "a")].to_numpy()[1:], out.unconditional["a"].to_numpy()[1:]
    )


@pytest.mark.parametrize("lag", [1, 5])
def test_no_look_ahead(lag: int) -> None:
    rng = np.random.default_rng(0)
    dates = pd.bdate_range("2021-01-04", periods=200, tz="UTC")
    ic = pd.DataFrame(rng.normal(0.02, 0.1, (200, 3)), index=dates, columns=["x", "y", "z"])
    p1 = rng.random(200)
    proba = pd.DataFrame({"state_0": 1 - p1, "state_1": p1}, index=dates)
    base = regime_weights(ic, proba, lag=lag)
    t = 120
    changed = ic.copy()
    changed.iloc[t - lag + 1 :] = 9.0  # ICs not yet known at t
    other = proba.copy()
    other.iloc[t + 1 :] = 0.5
    again = regime_weights(changed, other, lag=lag)
    pd.testing.assert_frame_equal(again.blended.iloc[: t + 1], base.blended.iloc[: t + 1])
    assert not again.blended.iloc[t + 1 :].equals(base.blended.iloc[t + 1 :])


def test_normalize_and_errors(hard_case) -> None:
    ic, proba = hard_case
    two = ic.assign(b=-2 * ic["a"])
    out = regime_weights(two, proba, min_weight=1.0, normalize=True)
    sums = out.blended.abs().sum(axis=1).iloc[1:]
    np.testing.assert_allclose(sums, 1.0)
    with pytest.raises(ConfigError, match="lag"):
        regime_weights(ic, proba, lag=-1)
    with pytest.raises(DataError, match="share no date"):
        regime_weights(ic, proba.set_axis(DATES + pd.Timedelta(days=30)))
