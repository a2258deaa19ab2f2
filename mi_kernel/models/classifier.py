"""UpProbability: a probabilistic classifier of "up" that predicts a signed score.

A classification label (``fwd_up_*``: 1 if the forward return is positive, else 0) is
fitted by a classifier, but a signal needs a score whose sign is the view and whose size is
the conviction. This wrapper fits ``classifier`` to ``y > threshold`` and predicts
``P(up) - 0.5``, in [-0.5, 0.5]: 0 is no view, the cross-sectional order is that of P(up).
Everything downstream (``predict``, backtests of OOS predictions) then treats it like any
regressor's score.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted, validate_data

from mi_kernel.errors import ConfigError


class UpProbability(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Predict P(y > threshold) - 0.5 with a probabilistic binary classifier.

    Parameters
    ----------
    classifier : estimator with ``predict_proba``, optional
        Cloned and fitted to ``(y > threshold)`` as 1/0; default ``LogisticRegression()``.
    threshold : float, default 0.0
        "Up" means ``y > threshold``; 0 suits both 0/1 labels and returns.

    Attributes
    ----------
    classifier_ : estimator or None
        The fitted classifier; None if every training label was on one side (then every
        prediction is 0, no view, with a warning at fit).
    up_rate_ : float
        Share of training samples that were up.
    n_features_in_ : int
        Features seen in ``fit``.

    Notes
    -----
    ``predict`` is a score in label-free units, not a return: ``rmse`` against a label is
    meaningless; rank IC, hit rate, Brier score and AUC are not.
    """

    def __init__(self, classifier: BaseEstimator | None = None, threshold: float = 0.0) -> None:
        self.classifier = classifier
        self.threshold = threshold

    def _base(self) -> BaseEstimator:
        return LogisticRegression() if self.classifier is None else self.classifier

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = get_tags(self._base()).input_tags.allow_nan
        tags.regressor_tags.poor_score = True  # a centred probability, not a fitted value
        return tags

    def fit(self, X: Any, y: Any) -> UpProbability:
        """Fit the classifier to ``y > threshold``.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
        y : array-like, shape (n_samples,)
            Labels (0/1, or returns).

        Returns
        -------
        self
        """
        base = self._base()
        if not hasattr(base, "predict_proba"):
            raise ConfigError(
                f"UpProbability needs a classifier with predict_proba, got {type(base).__name__}"
            )
        # NaN and inf are the classifier's to accept (an imputing pipeline) or refuse.
        X, y = validate_data(self, X, y, ensure_all_finite=False, y_numeric=True)
        up = (np.asarray(y, dtype="float64") > float(self.threshold)).astype(np.int64)
        self.up_rate_ = float(up.mean())
        if up.min() == up.max():
            warnings.warn(
                f"all {len(up)} training labels are {'up' if up[0] else 'down'} (vs threshold "
                f"{self.threshold}): nothing to classify, every prediction will be 0 (no "
                "view); train on more dates",
                UserWarning,
                stacklevel=2,
            )
            self.classifier_ = None
            return self
        self.classifier_ = clone(base).fit(X, up)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Return ``P(up) - 0.5`` for each row, shape (n_samples,)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite=False)
        if self.classifier_ is None:
            return np.zeros(len(X))
        classes = list(self.classifier_.classes_)
        proba = np.asarray(self.classifier_.predict_proba(X), dtype="float64")
        return proba[:, classes.index(1)] - 0.5
