"""Synthetic markets with a planted alpha (IC 0.05) and with none, read through the catalog."""

from __future__ import annotations

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from mi_kernel import data

ALPHA = {"n_symbols": 200, "n_days": 400, "alpha_ic": 0.05}
NOISE = {"n_symbols": 100, "n_days": 300, "alpha_ic": 0.0}


def market(config: dict[str, float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (alpha table, bars) of the synthetic market of ``config``."""
    return data.read("synthetic_alpha", **config), data.read("synthetic_bars", **config)


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    """One BLAS/OpenMP thread: on a shared machine, oversubscribed threads are 10x slower."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    return market(ALPHA)


@pytest.fixture(scope="session")
def noise() -> tuple[pd.DataFrame, pd.DataFrame]:
    return market(NOISE)
