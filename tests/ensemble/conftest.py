"""Synthetic out-of-sample predictions: an informative model, a noise model, and more."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

N_DATES, N_SYMBOLS = 160, 40


def predictions(seed: int = 0) -> pd.DataFrame:
    """Wide predictions table: label = alpha + noise; models of known quality.

    - ``good``: alpha + noise (daily IC about 0.3), a fresh ranking every date;
    - ``noise``: pure noise (IC 0);
    - ``slow``: a slowly moving score (AR(1), 0.97), weaker (IC about 0.2), low turnover;
    - ``fast``: like ``good``, another draw of its noise.
    """
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2023-01-02", periods=N_DATES, tz="UTC")
    shape = (N_DATES, N_SYMBOLS)
    persistent = np.zeros(shape)
    persistent[0] = rng.normal(size=N_SYMBOLS)
    for t in range(1, N_DATES):
        persistent[t] = 0.97 * persistent[t - 1] + np.sqrt(1 - 0.97**2) * rng.normal(size=N_SYMBOLS)
    fresh = rng.normal(size=shape)
    label = 0.35 * fresh + 0.25 * persistent + rng.normal(size=shape)
    frame = pd.DataFrame(
        {
            "ts": np.repeat(dates, N_SYMBOLS),
            "symbol": np.tile([f"S{i:02d}" for i in range(N_SYMBOLS)], N_DATES),
            "label": label.ravel(),
            "good": (fresh + 0.5 * rng.normal(size=shape)).ravel(),
            "noise": rng.normal(size=shape).ravel(),
            "slow": persistent.ravel(),
            "fast": (fresh + 0.5 * rng.normal(size=shape)).ravel(),
        }
    )
    return frame


@pytest.fixture(scope="module")
def preds() -> pd.DataFrame:
    return predictions()
