"""Synthetic features where the label depends on one feature only, and models trained on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from mi_kernel.models import TrainConfig, TrainedModel, train

N_DATES, N_SYMBOLS, HORIZON = 60, 20, 1
#: Feature A (the only one the label depends on) and noise features of the other groups.
A = "mom_21"
FEATURES = [A, "vol_21", "mr_z_20", "beta_63", "vol_21_rank"]


def synthetic(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features (beta_63 partly NaN) and labels = 100 tanh(A) + noise, in bps."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2022-01-03", periods=N_DATES, tz="UTC")
    ts = np.repeat(dates, N_SYMBOLS)
    symbol = np.tile([f"S{i:02d}" for i in range(N_SYMBOLS)], N_DATES)
    f = rng.normal(size=(len(ts), len(FEATURES)))
    f[rng.random(len(ts)) < 0.1, 3] = np.nan
    feats = pd.DataFrame({"ts": ts, "symbol": symbol}).assign(
        **{name: f[:, j] for j, name in enumerate(FEATURES)}
    )
    end = dates[np.minimum(np.arange(N_DATES) + HORIZON, N_DATES - 1)]
    labels = pd.DataFrame(
        {
            "ts": ts,
            "symbol": symbol,
            "ts_end": np.repeat(end, N_SYMBOLS),
            "label": 100 * np.tanh(f[:, 0]) + rng.normal(0, 20, len(ts)),
        }
    )
    return feats, labels


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    """One BLAS/OpenMP thread: on a shared machine, oversubscribed threads are 10x slower."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    return synthetic()


@pytest.fixture(scope="module")
def ridge(data) -> TrainedModel:
    return train(*data, "fwd_ret_1d", TrainConfig(estimator="ridge", n_splits=3))


@pytest.fixture(scope="module")
def hgb(data) -> TrainedModel:
    return train(*data, "fwd_ret_1d", TrainConfig(estimator="hgb", n_splits=2))
