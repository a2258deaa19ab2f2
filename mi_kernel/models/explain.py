"""Per-sample feature contributions of a fitted estimator, for the signals' top_features.

A contribution is the part of one prediction attributed to one feature; the contributions
of a row plus a constant add up to the model's raw output for it.

- linear pipelines (impute -> scale -> linear model): ``coef_j x standardised x_j``;
- LightGBM: its exact native TreeSHAP (``predict(pred_contrib=True)``);
- other tree ensembles (histogram boosting, random forests): ``shap.TreeExplainer``.

Pipelines whose earlier steps keep the columns (imputers, scalers) are explained on the
transformed features. For :class:`~mi_kernel.models.UpProbability` the raw output is that
of its classifier: log-odds of up for logistic regression and boosting, P(up) for random
forests; the order of the contributions, which is what ``top_features`` reports, is the
same as for the P(up) - 0.5 score.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline

from mi_kernel.errors import ConfigError
from mi_kernel.models.classifier import UpProbability

Array = NDArray[np.float64]
TOP_K = 3
_TREES = (HistGradientBoostingRegressor, HistGradientBoostingClassifier)


def contributions(estimator: BaseEstimator, X: Array) -> Array:
    """Return feature contributions of shape (n_samples, n_features) for rows ``X``."""
    X = np.asarray(X, dtype="float64")
    if isinstance(estimator, UpProbability):
        inner = estimator.classifier_
        return np.zeros_like(X) if inner is None else contributions(inner, X)
    if isinstance(estimator, Pipeline):
        z = np.asarray(estimator[:-1].transform(X), dtype="float64") if len(estimator) > 1 else X
        if z.shape != X.shape:
            raise ConfigError(
                f"pipeline steps before {type(estimator[-1]).__name__} change the columns "
                f"({X.shape[1]} -> {z.shape[1]}); contributions need one column per feature"
            )
        return contributions(estimator[-1], z)
    if hasattr(estimator, "coef_"):
        return X * np.ravel(np.asarray(estimator.coef_, dtype="float64"))
    if hasattr(estimator, "booster_"):  # LightGBM: exact TreeSHAP, last column the base value
        return np.asarray(estimator.predict(X, pred_contrib=True), dtype="float64")[:, :-1]
    if isinstance(estimator, _TREES) or hasattr(estimator, "estimators_"):
        with warnings.catch_warnings():  # shap's import warns about matplotlib colormaps
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            import shap  # heavy: imported only when a tree model is explained

        values = shap.TreeExplainer(estimator).shap_values(X)
        if isinstance(values, list):  # older shap: one array per class
            values = values[-1]
        values = np.asarray(values, dtype="float64")
        return values[:, :, -1] if values.ndim == 3 else values.reshape(len(X), -1)
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
