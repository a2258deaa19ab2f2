"""Fit one estimator on one fold and score it: the unit of work searches fan out."""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import FitFailedWarning

from mi_kernel.errors import ConfigError


def take(data: Any, idx: np.ndarray) -> Any:
    """Return the rows ``idx`` of an array, sparse matrix, DataFrame or Series, or None."""
    if data is None:
        return None
    if hasattr(data, "iloc"):
        return data.iloc[idx]
    if issparse(data):
        return data[idx]
    return np.asarray(data)[idx]


def check_error_score(error_score: Any) -> None:
    """Raise ConfigError unless ``error_score`` is ``"raise"`` or a number."""
    if not (error_score == "raise" or isinstance(error_score, int | float)):
        raise ConfigError(f"error_score must be 'raise' or a number, got {error_score!r}")


def fit_and_score(
    estimator: BaseEstimator,
    params: dict[str, Any],
    X: Any,
    y: Any,
    train: np.ndarray,
    test: np.ndarray,
    scorer: Any,
    error_score: Any = "raise",
) -> tuple[float, float]:
    """Fit a clone of ``estimator`` with ``params`` on ``train``, score it on ``test``.

    Returns
    -------
    score : float
        ``scorer(fitted, X[test], y[test])``; ``error_score`` if fitting or scoring failed
        and ``error_score`` is a number (a ``FitFailedWarning`` says why).
    fit_time : float
        Seconds spent fitting.
    """
    model = clone(estimator).set_params(**params)
    start = time.perf_counter()
    try:
        model.fit(take(X, train), take(y, train))
        fit_time = time.perf_counter() - start
        score = float(scorer(model, take(X, test), take(y, test)))
    except Exception as exc:
        if error_score == "raise":
            raise
        warnings.warn(
            f"fitting {type(estimator).__name__} with {params} failed ({exc!r}); its score is "
            f"set to error_score={error_score}",
            FitFailedWarning,
            stacklevel=2,
        )
        return float(error_score), time.perf_counter() - start
    return score, fit_time
