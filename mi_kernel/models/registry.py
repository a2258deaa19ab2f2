"""Estimator registry: config names a key, the registry builds an unfitted estimator.

Each factory takes ``(random_state, kind)`` and returns the estimator for that label kind:
a regressor for ``fwd_ret_*`` labels (bps), and for ``fwd_up_*`` labels a classifier
wrapped in :class:`~mi_kernel.models.UpProbability`, whose prediction is P(up) - 0.5.

| key | regression | classification |
| --- | --- | --- |
| ridge | impute, scale, ridge | impute, scale, L2 logistic regression |
| lasso | impute, scale, lasso | impute, scale, L1 logistic regression |
| logistic | (none: ConfigError) | impute, scale, L2 logistic regression |
| hgb | histogram gradient boosting | its classifier |
| rf | random forest | its classifier |
| lgbm | LightGBM (sklearn API) | its classifier |

Linear models impute medians and keep all-NaN columns (as 0) so coefficients line up with
the feature list; the tree models take NaN natively. Every factory is deterministic in
``random_state`` and single-threaded (parallelism belongs to the CV fan-out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mi_kernel.errors import ConfigError
from mi_kernel.labels import LabelKind
from mi_kernel.models.classifier import UpProbability

REGRESSION, CLASSIFICATION = LabelKind.REGRESSION, LabelKind.CLASSIFICATION


def _linear(name: str, model: BaseEstimator) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            (name, model),
        ]
    )


def _logistic(l1_ratio: float, random_state: int) -> UpProbability:
    # liblinear handles L1 (l1_ratio 1) and L2 (0) alike, deterministic in random_state.
    model = LogisticRegression(
        l1_ratio=l1_ratio, C=1.0, solver="liblinear", random_state=random_state
    )
    return UpProbability(_linear("logistic", model))


def ridge(random_state: int = 0, kind: LabelKind = REGRESSION) -> BaseEstimator:
    """Ridge regression (alpha 1) on standardised features; L2 logistic for up/down."""
    if kind == CLASSIFICATION:
        return _logistic(0.0, random_state)
    return _linear("ridge", Ridge(alpha=1.0, random_state=random_state))


def lasso(random_state: int = 0, kind: LabelKind = REGRESSION) -> BaseEstimator:
    """Lasso (alpha 1 in label units, bps) on standardised features; L1 logistic for up/down."""
    if kind == CLASSIFICATION:
        return _logistic(1.0, random_state)
    return _linear("lasso", Lasso(alpha=1.0, random_state=random_state))


def logistic(random_state: int = 0, kind: LabelKind = CLASSIFICATION) -> BaseEstimator:
    """L2 logistic regression of up/down on standardised features (classification only)."""
    if kind != CLASSIFICATION:
        raise ConfigError(
            "estimator 'logistic' classifies up/down: use a fwd_up_* label (e.g. fwd_up_5d), "
            "or ridge / lasso for a fwd_ret_* label"
        )
    return _logistic(0.0, random_state)


def hgb(random_state: int = 0, kind: LabelKind = REGRESSION) -> BaseEstimator:
    """A modest histogram gradient-boosting model; NaN features are handled natively."""
    params: dict[str, Any] = {
        "max_iter": 200,
        "learning_rate": 0.05,
        "max_leaf_nodes": 15,
        "early_stopping": False,
        "random_state": random_state,
    }
    if kind == CLASSIFICATION:
        return UpProbability(HistGradientBoostingClassifier(**params))
    return HistGradientBoostingRegressor(**params)


def rf(random_state: int = 0, kind: LabelKind = REGRESSION) -> BaseEstimator:
    """A random forest of 100 shallow-leaved trees (min 20 samples a leaf, half the features)."""
    params: dict[str, Any] = {
        "n_estimators": 100,
        "min_samples_leaf": 20,
        "max_features": 0.5,
        "n_jobs": 1,
        "random_state": random_state,
    }
    if kind == CLASSIFICATION:
        return UpProbability(RandomForestClassifier(**params))
    return RandomForestRegressor(**params)


def lgbm(random_state: int = 0, kind: LabelKind = REGRESSION) -> BaseEstimator:
    """LightGBM through its scikit-learn API: 200 trees of 15 leaves, bagged, deterministic."""
    import lightgbm  # heavy: imported only when a LightGBM model is built

    params: dict[str, Any] = {
        "n_estimators": 200,
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_child_samples": 20,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 0.8,
        "random_state": random_state,
        "n_jobs": 1,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }
    if kind == CLASSIFICATION:
        return UpProbability(lightgbm.LGBMClassifier(**params))
    return lightgbm.LGBMRegressor(**params)


#: Registry of estimator factories: key -> callable(random_state, kind) returning an
#: unfitted estimator (``kind`` defaults to regression, except for "logistic").
ESTIMATORS: dict[str, Callable[..., BaseEstimator]] = {
    "ridge": ridge,
    "lasso": lasso,
    "logistic": logistic,
    "hgb": hgb,
    "rf": rf,
    "lgbm": lgbm,
}


def make_estimator(
    name: str, random_state: int = 0, kind: LabelKind | str = REGRESSION
) -> BaseEstimator:
    """Build the registered estimator ``name`` for labels of ``kind``.

    Raises
    ------
    ConfigError
        For an unknown key (the message lists the known ones) or a key that does not
        support ``kind``.
    """
    if name not in ESTIMATORS:
        raise ConfigError(
            f"unknown estimator {name!r}; choose from {sorted(ESTIMATORS)} or register a "
            "factory in mi_kernel.models.ESTIMATORS"
        )
    return ESTIMATORS[name](random_state, LabelKind(kind))
