"""Per-sample feature contributions of a fitted estimator, for the signals' top_features.

A contribution is the part of one prediction attributed to one feature; for both supported
families the contributions of a row plus a constant add up to its prediction.

- linear pipelines (impute -> scale -> linear model): ``coef_j x standardised x_j``;
- tree ensembles (e.g. HistGradientBoostingRegressor): SHAP values of ``shap.TreeExplainer``.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline

from mi_kernel.errors import ConfigError

Array = NDArray[np.float64]
TOP_K = 3


def contributions(estimator: BaseEstimator, X: Array) -> Array:
    """Return feature contributions of shape (n_samples, n_features) for rows ``X``."""
    if isinstance(estimator, Pipeline) and hasattr(estimator[-1], "coef_"):
        z = np.asarray(estimator[:-1].transform(X), dtype="float64")
        coef = np.ravel(np.asarray(estimator[-1].coef_, dtype="float64"))
        return z * coef
    if hasattr(estimator, "coef_"):
        return np.asarray(X, dtype="float64") * np.ravel(estimator.coef_)
    if isinstance(estimator, HistGradientBoostingRegressor) or hasattr(estimator, "estimators_"):
        with warnings.catch_warnings():  # shap's import warns about matplotlib colormaps
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            import shap  # heavy: imported only when a tree model is explained

        values = shap.TreeExplainer(estimator).shap_values(np.asarray(X, dtype="float64"))
        return np.asarray(values, dtype="float64").reshape(len(X), -1)
    raise ConfigError(
        f"no explainer for {type(estimator).__name__}; use a linear pipeline or a tree "
        "ensemble, or extend mi_kernel.models.explain.contributions"
    )


def top_features_json(names: list[str], contrib: Array, k: int = TOP_K) -> list[str]:
    """Return, per row, JSON of the ``k`` largest-|contribution| ``[feature, contribution]``."""
    if contrib.size == 0:
        return ["[]"] * len(contrib)
    safe = np.where(np.isfinite(contrib), contrib, 0.0)
    order = np.argsort(-np.abs(safe), axis=1, kind="stable")[:, :k]
    out: list[str] = []
    for row, idx in zip(safe, order, strict=True):
        pairs: list[list[Any]] = [[names[j], round(float(row[j]), 6)] for j in idx]
        out.append(json.dumps(pairs))
    return out
