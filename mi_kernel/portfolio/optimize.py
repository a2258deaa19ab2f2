"""The optimizer registry: every allocation method by name, each a scikit-learn estimator.

``make_optimizer(name, **params)`` builds an unfitted estimator whose ``fit(returns)`` sets
``weights_`` (and ``risk_``, ``covariance_``, ``fallback_``); :func:`optimize` fits one and
returns its weights. A pipeline's book names its optimizer by these keys.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import partial
from typing import Any

import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.estimators import (
    HRP,
    EqualWeight,
    InverseVolatility,
    MeanVariance,
    RiskParity,
)


class Optimizer(StrEnum):
    """Registered allocation methods."""

    MIN_VARIANCE = "min_variance"
    MAX_SHARPE = "max_sharpe"
    MEAN_VARIANCE = "mean_variance"
    TARGET_RETURN = "target_return"
    TARGET_VOLATILITY = "target_volatility"
    RISK_PARITY = "risk_parity"
    HRP = "hrp"
    EQUAL = "equal"
    INVERSE_VOL = "inverse_vol"


#: Registry: method name -> factory(**params) of an unfitted estimator.
OPTIMIZERS: dict[str, Callable[..., Any]] = {
    Optimizer.MIN_VARIANCE: partial(MeanVariance, objective="min_variance"),
    Optimizer.MAX_SHARPE: partial(MeanVariance, objective="max_sharpe"),
    Optimizer.MEAN_VARIANCE: partial(MeanVariance, objective="mean_variance"),
    Optimizer.TARGET_RETURN: partial(MeanVariance, objective="target_return"),
    Optimizer.TARGET_VOLATILITY: partial(MeanVariance, objective="target_volatility"),
    Optimizer.RISK_PARITY: RiskParity,
    Optimizer.HRP: HRP,
    Optimizer.EQUAL: EqualWeight,
    Optimizer.INVERSE_VOL: InverseVolatility,
}


def make_optimizer(method: str = "hrp", **params: Any) -> Any:
    """Return the unfitted estimator registered as ``method`` with ``params``.

    Raises
    ------
    ConfigError
        If ``method`` is not a key of :data:`OPTIMIZERS` or a parameter is unknown to it.
    """
    if method not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {method!r}; choose one of {sorted(OPTIMIZERS)}")
    try:
        return OPTIMIZERS[method](**params)
    except TypeError as exc:
        raise ConfigError(f"optimizer {method!r} does not take {sorted(params)}: {exc}") from exc


def optimize(returns: pd.DataFrame, method: str = "hrp", **params: Any) -> pd.Series:
    """Fit the optimizer ``method`` on ``returns`` and return its weights.

    Parameters
    ----------
    returns : DataFrame, shape (n_periods, n_assets)
        Simple per-period returns, one column per symbol, no NaN.
    method : str, default "hrp"
        Key of :data:`OPTIMIZERS`.
    **params
        Parameters of the estimator (e.g. ``constraints={"max_position": 0.1}``).

    Returns
    -------
    Series
        Weight per symbol (index = the columns of ``returns``, in order).
    """
    model = make_optimizer(method, **params)
    return model.fit(returns).weights_
