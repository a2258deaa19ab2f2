"""Risk-based allocations with skfolio: a registry of optimizers, each a scikit-learn estimator.

Every entry of :data:`OPTIMIZERS` builds an unfitted skfolio estimator; :func:`optimize` fits
it on a wide return panel and returns its ``weights_`` (long only, summing to 1).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import numpy as np
import pandas as pd
from skfolio import RiskMeasure
from skfolio.optimization import (
    BaseOptimization,
    EqualWeighted,
    HierarchicalRiskParity,
    InverseVolatility,
    MeanRisk,
    ObjectiveFunction,
)

from mi_kernel.errors import ConfigError, DataError


class Optimizer(StrEnum):
    """Registered allocation methods."""

    HRP = "hrp"
    MIN_VARIANCE = "min_variance"
    EQUAL = "equal"
    INVERSE_VOL = "inverse_vol"


def _min_variance() -> BaseOptimization:
    return MeanRisk(
        objective_function=ObjectiveFunction.MINIMIZE_RISK, risk_measure=RiskMeasure.VARIANCE
    )


#: Registry: method name -> factory of an unfitted skfolio estimator.
OPTIMIZERS: dict[str, Callable[[], BaseOptimization]] = {
    Optimizer.HRP: HierarchicalRiskParity,
    Optimizer.MIN_VARIANCE: _min_variance,
    Optimizer.EQUAL: EqualWeighted,
    Optimizer.INVERSE_VOL: InverseVolatility,
}


def make_optimizer(method: str = "hrp") -> BaseOptimization:
    """Return the unfitted skfolio estimator registered as ``method``.

    Raises
    ------
    ConfigError
        If ``method`` is not a key of :data:`OPTIMIZERS`.
    """
    if method not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {method!r}; choose one of {sorted(OPTIMIZERS)}")
    return OPTIMIZERS[method]()


def _check_returns(returns: pd.DataFrame) -> None:
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] == 0:
        raise DataError("returns must be a wide DataFrame (ts x symbol) with at least one column")
    if returns.shape[0] < 2:
        raise DataError(f"returns need at least 2 rows to estimate risk, got {returns.shape[0]}")
    if returns.columns.duplicated().any():
        dup = sorted(set(returns.columns[returns.columns.duplicated()].astype(str)))
        raise DataError(f"returns have duplicate columns {dup[:10]}; keep one per symbol")
    values = returns.to_numpy(dtype="float64")
    bad = ~np.isfinite(values).all(axis=0)
    if bad.any():
        names = [str(c) for c in returns.columns[bad]]
        raise DataError(
            f"returns of {names[:10]} contain NaN or inf; drop those columns or fill the gaps "
            "(e.g. .fillna(0.0)) before optimizing"
        )


def optimize(returns: pd.DataFrame, method: str = "hrp") -> pd.Series:
    """Fit the skfolio optimizer ``method`` on ``returns`` and return its weights.

    Parameters
    ----------
    returns : DataFrame, shape (n_periods, n_assets)
        Simple per-period returns, one column per symbol, no NaN.
    method : {"hrp", "min_variance", "equal", "inverse_vol"}, default "hrp"
        Key of :data:`OPTIMIZERS`: hierarchical risk parity, minimum variance (long only),
        equal weight, inverse volatility.

    Returns
    -------
    Series
        Weight per symbol (index = the columns of ``returns``, in order), summing to 1.

    Raises
    ------
    ConfigError
        On an unknown method.
    DataError
        If ``returns`` is empty, too short, or holds NaN / inf.
    """
    model = make_optimizer(method)
    _check_returns(returns)
    model.fit(returns)
    return pd.Series(
        np.asarray(model.weights_, dtype="float64"), index=returns.columns.copy(), name="weight"
    )
