"""Linear blenders of model predictions: fixed or simple average, IC-weighted, ridge stacking.

Each is a scikit-learn regressor whose ``X`` holds the predictions of ``n_models`` models
(one column each, best standardised per date first, as :func:`walk_forward_blend` does)
and whose ``predict`` is the blended score ``X @ weights_ + intercept_``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.utils.validation import check_is_fitted, validate_data

from mi_kernel.ensemble._panel import FloatArray, keys_of, simplex_normalise
from mi_kernel.errors import ConfigError
from mi_kernel.model_selection import daily_rank_ic


class LinearBlender(RegressorMixin, BaseEstimator):
    """Base of the blenders (not for direct use): ``predict = X @ weights_ + intercept_``.

    Subclasses implement ``_fit_weights(X, y, dates, symbols)`` returning
    ``(weights, intercept)``.
    """

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True  # a ranking score, not a fitted return
        return tags

    def fit(self, X: Any, y: Any) -> LinearBlender:
        """Learn the blend weights from predictions ``X`` (n_samples, n_models) and labels ``y``.

        Returns
        -------
        self
        """
        dates, symbols = keys_of(X)
        X, y = validate_data(self, X, y, y_numeric=True, dtype="float64")
        weights, intercept = self._fit_weights(X, np.asarray(y, dtype="float64"), dates, symbols)
        self.weights_ = np.asarray(weights, dtype="float64")
        self.intercept_ = float(intercept)
        return self

    def _fit_weights(
        self, X: FloatArray, y: FloatArray, dates: Any, symbols: Any
    ) -> tuple[FloatArray, float]:
        raise NotImplementedError

    def predict(self, X: Any) -> FloatArray:
        """Return the blended score of each row, shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype="float64")
        return np.asarray(X @ self.weights_ + self.intercept_, dtype="float64")


class AverageBlender(LinearBlender):
    """Average the models' predictions, equally or with given weights.

    Parameters
    ----------
    weights : array-like of shape (n_models,), optional
        Non-negative weights, normalised to sum to 1 (all zeros: every score 0, no view);
        None = the simple average. Use it for weights decided elsewhere, e.g.
        :meth:`HierarchicalIC.weights`.

    Attributes
    ----------
    weights_ : ndarray, shape (n_models,)
    intercept_ : float
        Always 0.
    """

    def __init__(self, weights: Any = None) -> None:
        self.weights = weights

    def _fit_weights(
        self, X: FloatArray, y: FloatArray, dates: Any, symbols: Any
    ) -> tuple[FloatArray, float]:
        n = X.shape[1]
        if self.weights is None:
            return np.full(n, 1.0 / n), 0.0
        w = np.asarray(self.weights, dtype="float64").ravel()
        if w.shape != (n,) or not np.all(np.isfinite(w)) or (w < 0).any():
            raise ConfigError(
                f"weights must be {n} finite non-negative numbers (one per model column), "
                f"got {self.weights!r}"
            )
        return simplex_normalise(w), 0.0


class ICWeightedBlender(LinearBlender):
    """Weight each model by its mean daily rank IC on the training data (negative -> 0).

    Parameters
    ----------
    statistic : {"mean", "ir"}, default "mean"
        Weight by the mean daily IC, or by its information ratio (mean / std over dates,
        which favours steady models).
    min_ic : float, default 0.0
        A model whose statistic is at or below ``min_ic`` gets weight 0.

    Attributes
    ----------
    ic_ : ndarray, shape (n_models,)
        Mean daily rank IC of each model (NaN if it has no date with an IC).
    weights_ : ndarray, shape (n_models,)
        Proportional to ``max(statistic - min_ic, 0)``, summing to 1; all zero (every
        score 0, with a warning) if no model clears ``min_ic``.
    intercept_ : float
        Always 0.
    """

    def __init__(self, statistic: str = "mean", min_ic: float = 0.0) -> None:
        self.statistic = statistic
        self.min_ic = min_ic

    def _fit_weights(
        self, X: FloatArray, y: FloatArray, dates: Any, symbols: Any
    ) -> tuple[FloatArray, float]:
        if self.statistic not in ("mean", "ir"):
            raise ConfigError(f"statistic must be 'mean' or 'ir', got {self.statistic!r}")
        ts = np.zeros(len(y)) if dates is None else dates
        ic = np.full(X.shape[1], np.nan)
        stat = np.full(X.shape[1], np.nan)
        for m in range(X.shape[1]):
            daily = daily_rank_ic(ts, X[:, m], y).dropna()
            if len(daily) == 0:
                continue
            ic[m] = daily.mean()
            sd = float(daily.std(ddof=1)) if len(daily) > 1 else 0.0
            if self.statistic == "mean":
                stat[m] = ic[m]
            elif sd > 0:
                stat[m] = ic[m] / sd
        self.ic_ = ic
        raw = np.clip(np.nan_to_num(stat - float(self.min_ic), nan=0.0), 0.0, None)
        if not raw.any():
            warnings.warn(
                f"no model's daily IC ({self.statistic}) is above {self.min_ic}; every weight "
                "is 0 and the blend has no view",
                UserWarning,
                stacklevel=3,
            )
        return simplex_normalise(raw), 0.0


class RidgeStacker(LinearBlender):
    """Stack the models with a ridge regression of the labels on their predictions.

    Parameters
    ----------
    alpha : float, default 1.0
        L2 penalty, in the units of ``X`` and ``y``.
    positive : bool, default True
        Constrain the weights to be >= 0: a model is used or not, never bet against.
    fit_intercept : bool, default True

    Attributes
    ----------
    weights_ : ndarray, shape (n_models,)
        Ridge coefficients (label units per unit of prediction; not normalised).
    intercept_ : float
    """

    def __init__(self, alpha: float = 1.0, positive: bool = True, fit_intercept: bool = True):
        self.alpha = alpha
        self.positive = positive
        self.fit_intercept = fit_intercept

    def _fit_weights(
        self, X: FloatArray, y: FloatArray, dates: Any, symbols: Any
    ) -> tuple[FloatArray, float]:
        ridge = Ridge(alpha=self.alpha, positive=self.positive, fit_intercept=self.fit_intercept)
        ridge.fit(X, y)
        return np.asarray(ridge.coef_, dtype="float64"), float(ridge.intercept_)
