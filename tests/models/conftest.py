"""Synthetic features and labels with a known relation, and trained models (module scope)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from mi_kernel.models import TrainConfig, TrainedModel, train

N_DATES, N_SYMBOLS, HORIZON = 120, 30, 5


@pytest.fixture(autouse=True, scope="package")
def _one_openmp_thread():
    """Tiny fits on a shared machine: OpenMP threads only add contention (as in train)."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


def synthetic(seed: int, signal: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features f0..f3 (f3 partly NaN) and labels = signal * 100 * f0 + noise, in bps."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-01", periods=N_DATES, tz="UTC")
    ts = np.repeat(dates, N_SYMBOLS)
    symbol = np.tile([f"S{i:02d}" for i in range(N_SYMBOLS)], N_DATES)
    f = rng.normal(size=(len(ts), 4))
    f[rng.random(len(ts)) < 0.2, 3] = np.nan
    feats = pd.DataFrame({"ts": ts, "symbol": symbol})
    for j in range(4):
        feats[f"f{j}"] = f[:, j]
    end = dates[np.minimum(np.arange(N_DATES) + HORIZON, N_DATES - 1)]
    labels = pd.DataFrame(
        {
            "ts": ts,
            "symbol": symbol,
            "ts_end": np.repeat(end, N_SYMBOLS),
            "label": signal * 100 * f[:, 0] + rng.normal(0, 10, len(ts)),
        }
    )
    return feats, labels


@pytest.fixture(scope="module")
def signal_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic(0, signal=1.0)


@pytest.fixture(scope="module")
def ridge_model(signal_data) -> TrainedModel:
    feats, labels = signal_data
    cfg = TrainConfig(estimator="ridge", name="ridge fwd/5d", embargo=2, purpose="test")
    return train(feats, labels, "fwd_ret_5d", cfg, inputs=("run://x/features/core.parquet",))


@pytest.fixture(scope="module")
def hgb_model(signal_data) -> TrainedModel:
    feats, labels = signal_data
    return train(feats, labels, "fwd_ret_5d", TrainConfig(estimator="hgb", n_splits=3))
