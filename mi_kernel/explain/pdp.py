"""Partial dependence and ICE curves of one feature (sklearn.inspection.partial_dependence)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.inspection import partial_dependence as sk_partial_dependence

from mi_kernel.errors import ConfigError, DataError


@dataclass(frozen=True, eq=False)
class PartialDependence:
    """Partial dependence (average) and ICE (individual) curves of one feature.

    Attributes
    ----------
    feature : str
        The varied feature.
    grid : ndarray, shape (n_grid,)
        Values the feature is set to.
    average : Series
        Index = grid: the mean prediction over the sampled rows with the feature set to each
        grid value (the partial dependence), in prediction units.
    individual : DataFrame
        Index = grid, one column per sampled row: that row's prediction as the feature varies
        (ICE curves).
    """

    feature: str
    grid: np.ndarray
    average: pd.Series
    individual: pd.DataFrame

    def is_monotone(self, increasing: bool = True, tol: float = 0.0) -> bool:
        """Return whether the average curve never moves against ``increasing`` by > ``tol``."""
        step = np.diff(self.average.to_numpy())
        return bool(np.all(step >= -tol) if increasing else np.all(step <= tol))


def partial_dependence(
    estimator: BaseEstimator,
    X: pd.DataFrame,
    feature: str,
    grid_resolution: int = 20,
    percentiles: tuple[float, float] = (0.05, 0.95),
    n_samples: int = 200,
    random_state: int = 0,
) -> PartialDependence:
    """Compute the partial dependence and ICE curves of ``feature``.

    Parameters
    ----------
    estimator : BaseEstimator
        Fitted regressor or Pipeline, fitted on ``X``'s columns in this order (as arrays).
    X : DataFrame, shape (n_samples, n_features)
        Feature columns the estimator takes (e.g. ``features[model.features]``).
    feature : str
        Column to vary.
    grid_resolution : int, default 20
        Grid points, evenly spaced between the ``percentiles`` of the feature's finite values
        (its distinct values if there are fewer).
    percentiles : tuple of float, default (0.05, 0.95)
        Ends of the grid, as quantiles of the feature.
    n_samples : int, default 200
        Rows sampled (without replacement) for the curves; ICE costs one prediction per row and
        grid point.
    random_state : int, default 0
        Seeds the row sample.

    Returns
    -------
    PartialDependence
    """
    if feature not in X.columns:
        raise ConfigError(f"feature {feature!r} is not a column of X; choose from {list(X)}")
    values = X[feature].to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise DataError(f"feature {feature!r} has no finite value to build a grid from")
    lo, hi = np.quantile(finite, percentiles)
    distinct = np.unique(finite)
    grid = distinct if distinct.size <= grid_resolution else np.linspace(lo, hi, grid_resolution)
    rows = X
    if len(X) > n_samples:
        rng = np.random.default_rng(random_state)
        rows = X.iloc[np.sort(rng.choice(len(X), n_samples, replace=False))]
    j = list(X.columns).index(feature)
    result = sk_partial_dependence(
        estimator,
        rows.to_numpy(dtype="float64"),
        [j],
        kind="both",
        custom_values={j: grid},
    )
    index = pd.Index(grid, name=feature)
    average = pd.Series(result["average"][0], index=index, name="partial_dependence")
    individual = pd.DataFrame(result["individual"][0].T, index=index, columns=rows.index)
    return PartialDependence(feature, grid, average, individual)
