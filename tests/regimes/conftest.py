"""A simulated two-regime market: a persistent Markov chain of calm and turbulent days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

N_DAYS = 1200
CALM, TURBULENT = (0.05, 0.6), (-0.10, 2.0)  # (mean, std) of daily returns in percent


def simulate(seed: int = 0, n: int = N_DAYS, stay: float = 0.98) -> tuple[pd.Series, np.ndarray]:
    """Return daily returns (percent, business days) and the true state (0 calm, 1 turbulent)."""
    rng = np.random.default_rng(seed)
    state = np.empty(n, dtype=int)
    state[0] = 0
    for t in range(1, n):
        state[t] = state[t - 1] if rng.random() < stay else 1 - state[t - 1]
    mean = np.where(state == 0, CALM[0], TURBULENT[0])
    std = np.where(state == 0, CALM[1], TURBULENT[1])
    ret = mean + std * rng.standard_normal(n)
    index = pd.bdate_range("2000-01-03", periods=n, tz="UTC")
    return pd.Series(ret, index=index, name="ret"), state


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    """One BLAS/OpenMP thread: on a shared machine, oversubscribed threads are 10x slower."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def two_regimes() -> tuple[pd.Series, np.ndarray]:
    return simulate()
