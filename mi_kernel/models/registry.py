"""Estimator registry: config names a key, the registry builds an unfitted estimator."""

from __future__ import annotations

from collections.abc import Callable

from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from mi_kernel.errors import ConfigError


def ridge(random_state: int = 0) -> Pipeline:
    """Median imputation, standardisation and a ridge regression (alpha 1).

    Columns that are all NaN in a training set are kept (imputed as 0) so the coefficients
    always line up with the model's feature list.
    """
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("ridge", Ridge(alpha=1.0, random_state=random_state)),
        ]
    )


def hgb(random_state: int = 0) -> HistGradientBoostingRegressor:
    """A modest histogram gradient-boosting regressor; NaN features are handled natively."""
    return HistGradientBoostingRegressor(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        early_stopping=False,
        random_state=random_state,
    )


#: Registry of estimator factories: key -> callable(random_state) returning an unfitted estimator.
ESTIMATORS: dict[str, Callable[[int], BaseEstimator]] = {"ridge": ridge, "hgb": hgb}


def make_estimator(name: str, random_state: int = 0) -> BaseEstimator:
    """Build the registered estimator ``name``; raise ConfigError listing the known keys."""
    if name not in ESTIMATORS:
        raise ConfigError(
            f"unknown estimator {name!r}; choose from {sorted(ESTIMATORS)} or register a "
            "factory in mi_kernel.models.ESTIMATORS"
        )
    return ESTIMATORS[name](random_state)
