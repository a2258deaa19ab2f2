"""SHAP values of any fitted estimator, dispatched by type: linear, tree, or permutation.

- linear (a ``coef_`` model) and tree models (boosting, forests, trees, LightGBM), bare, at
  the end of a Pipeline whose earlier steps keep the columns (imputer, scaler), or inside
  :class:`mi_kernel.models.UpProbability`: :func:`mi_kernel.models.contributions`, i.e.
  ``coef_j x`` the value the model sees (standardised in a Pipeline) or ``shap.TreeExplainer``
  values, exactly what :func:`mi_kernel.models.predict` reports in ``top_features``;
- anything else: ``shap.explainers.Permutation`` over a sample of background rows, model
  agnostic (a Pipeline is explained as a whole, on the raw features).

For regressors, every row's values plus ``base_value`` add up to its prediction.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.pipeline import Pipeline
from sklearn.tree import BaseDecisionTree

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.models import contributions

Array = NDArray[np.float64]
TREE_TYPES = (
    BaseDecisionTree,
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
_NOT_TREES = (IsolationForest,)
#: Type-name fragments of third-party tree ensembles that shap.TreeExplainer supports.
TREE_NAMES = ("LGBM", "XGB", "CatBoost")


class ExplainerKind(StrEnum):
    """How SHAP values are computed."""

    LINEAR = "linear"
    TREE = "tree"
    PERMUTATION = "permutation"


@dataclass(frozen=True, eq=False)
class Explanation:
    """Per-sample SHAP values of one estimator on rows ``X``.

    Attributes
    ----------
    values : DataFrame, shape (n_samples, n_features)
        Contribution of each feature to each prediction, in the prediction's units (bps for
        return labels); index = the rows of ``X`` (its index if it was a DataFrame).
    base_value : float
        The constant that, added to a row's values, gives its prediction; NaN where the values
        explain a raw output other than ``predict`` (a classifier's log-odds).
    kind : ExplainerKind
        Which explainer produced the values.
    """

    values: pd.DataFrame
    base_value: float
    kind: ExplainerKind

    @property
    def feature_names(self) -> list[str]:
        """Feature names, in column order."""
        return [str(c) for c in self.values.columns]


def _shap() -> Any:
    with warnings.catch_warnings():  # shap's import warns about matplotlib colormaps
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import shap  # heavy: imported only when used

    return shap


def _final(estimator: BaseEstimator) -> BaseEstimator:
    """Return the model at the end of Pipelines and classifier wrappers (``classifier_``)."""
    while True:
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        elif getattr(estimator, "classifier_", None) is not None:
            estimator = estimator.classifier_
        else:
            return estimator


def _is_tree(model: BaseEstimator) -> bool:
    name = type(model).__name__
    if isinstance(model, _NOT_TREES):
        return False
    return isinstance(model, TREE_TYPES) or any(t in name for t in TREE_NAMES)


def explainer_kind(estimator: BaseEstimator) -> ExplainerKind:
    """Return the explainer :func:`shap_values` uses for ``estimator``, by its final model."""
    final = _final(estimator)
    if hasattr(final, "coef_") and np.size(final.coef_) == np.shape(final.coef_)[-1]:
        return ExplainerKind.LINEAR
    if _is_tree(final):
        return ExplainerKind.TREE
    return ExplainerKind.PERMUTATION


def shap_values(
    estimator: BaseEstimator,
    X: pd.DataFrame | Array,
    feature_names: list[str] | None = None,
    kind: ExplainerKind | str = "auto",
    background: Array | None = None,
    max_background: int = 50,
    max_evals: int | None = None,
    random_state: int = 0,
) -> Explanation:
    """Compute SHAP values of a fitted estimator's predictions on ``X``.

    Parameters
    ----------
    estimator : BaseEstimator
        Fitted regressor, or a Pipeline (e.g. impute -> scale -> model) ending in one. For a
        classifier (or :class:`~mi_kernel.models.UpProbability`) the linear and tree values
        explain the positive class's raw output (log-odds for logistic and boosting).
    X : DataFrame or ndarray, shape (n_samples, n_features)
        Rows to explain, columns in the order the estimator was fitted on.
    feature_names : list of str, optional
        Names of the columns; default ``X.columns`` or ``x0, x1, ...``.
    kind : {"auto", "linear", "tree", "permutation"}, default "auto"
        Explainer; "auto" dispatches by type (:func:`explainer_kind`). "permutation" works for
        every estimator.
    background : ndarray, optional
        Rows standing for "feature unknown" in the permutation explainer; default a random
        sample of ``max_background`` rows of ``X``.
    max_background : int, default 50
        Background rows sampled from ``X`` when ``background`` is None. The permutation
        explainer's cost is about n_samples x max_evals x background rows predictions.
    max_evals : int, optional
        Model evaluations per row of the permutation explainer; default ``2 n_features + 1``
        (one antithetic permutation: exact for additive models).
    random_state : int, default 0
        Seeds the background sample and the permutations.

    Returns
    -------
    Explanation

    Raises
    ------
    ConfigError
        For an unknown ``kind``, or "linear"/"tree" on an estimator of another family.
    DataError
        If ``X`` is empty or its width differs from ``feature_names``.
    """
    names, x, index = _inputs(X, feature_names)
    chosen = explainer_kind(estimator) if kind == "auto" else _kind(kind)
    if chosen != ExplainerKind.PERMUTATION and chosen != explainer_kind(estimator):
        raise ConfigError(
            f"kind={chosen.value!r} does not fit {type(_final(estimator)).__name__}; use "
            f"kind='auto' or 'permutation'"
        )
    if chosen == ExplainerKind.PERMUTATION:
        bg = background if background is not None else _sample(x, max_background, random_state)
        values = _permutation(estimator, x, bg, max_evals, random_state)
    else:
        _check_width(estimator, x)
        values = contributions(estimator, x)
    pred = np.asarray(estimator.predict(x), dtype="float64")
    resid = pred - values.sum(axis=1)
    additive = np.nanstd(resid) <= 1e-6 * (1.0 + np.nanstd(pred) + np.nanmean(np.abs(resid)))
    base = float(np.nanmean(resid)) if additive else float("nan")
    frame = pd.DataFrame(values, index=index, columns=names)
    return Explanation(values=frame, base_value=base, kind=chosen)


def _inputs(
    X: pd.DataFrame | Array, feature_names: list[str] | None
) -> tuple[list[str], Array, pd.Index]:
    if isinstance(X, pd.DataFrame):
        x, index = X.to_numpy(dtype="float64"), X.index
        names = list(feature_names) if feature_names is not None else [str(c) for c in X]
    else:
        x = np.atleast_2d(np.asarray(X, dtype="float64"))
        index = pd.RangeIndex(len(x))
        names = list(feature_names or [f"x{j}" for j in range(x.shape[1])])
    if len(x) == 0:
        raise DataError("X has no rows to explain; pass at least one sample")
    if len(names) != x.shape[1]:
        raise DataError(
            f"X has {x.shape[1]} columns but {len(names)} feature names; pass one name per column"
        )
    return names, x, index


def _kind(kind: ExplainerKind | str) -> ExplainerKind:
    try:
        return ExplainerKind(kind)
    except ValueError:
        choices = ["auto", *(k.value for k in ExplainerKind)]
        raise ConfigError(f"unknown explainer kind {kind!r}; use one of {choices}") from None


def _check_width(estimator: BaseEstimator, x: Array) -> None:
    """Refuse a Pipeline whose transforms change the columns: values could not be named."""
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        width = np.shape(estimator[:-1].transform(x[:1]))[1]
        if width != x.shape[1]:
            raise ConfigError(
                f"the Pipeline's transforms change {x.shape[1]} columns into {width}, so its "
                "SHAP values cannot be named by feature; use kind='permutation'"
            )


def _sample(x: Array, n: int, random_state: int) -> Array:
    if len(x) <= n:
        return x
    rng = np.random.default_rng(random_state)
    return x[np.sort(rng.choice(len(x), size=n, replace=False))]


def _permutation(
    estimator: BaseEstimator, x: Array, bg: Array, max_evals: int | None, random_state: int
) -> Array:
    shap = _shap()
    masker = shap.maskers.Independent(np.asarray(bg, dtype="float64"), max_samples=len(bg))
    explainer = shap.explainers.Permutation(estimator.predict, masker, seed=random_state)
    evals = max_evals if max_evals is not None else 2 * x.shape[1] + 1
    out = explainer(x, max_evals=max(int(evals), 2 * x.shape[1] + 1), silent=True)
    return np.asarray(out.values, dtype="float64").reshape(len(x), -1)
