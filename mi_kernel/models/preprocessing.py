"""CrossSectionalScaler: rank or z-score each feature within each date.

Cross-sectional models care about how a name compares with the others on the same date,
not about the level of a feature, which drifts over time. Normalising within each date
uses only that date's values, so it never looks ahead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection import from_x

METHODS = ("zscore", "rank")


class CrossSectionalScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Rank or z-score every feature among the samples of each date.

    Parameters
    ----------
    method : {"zscore", "rank"}, default "zscore"
        ``zscore``: (x - mean) / std of the date (population std; 0 where the std is 0).
        ``rank``: percentile rank centred on 0, in [-0.5, 0.5] (ties share their mean rank;
        a lone value gives 0).
    clip : float, optional
        Clip z-scores to [-clip, clip] (ignored for ranks).

    Attributes
    ----------
    n_features_in_ : int
        Features seen in ``fit`` (nothing else is learned: the transform is stateless).

    Notes
    -----
    Dates come from an index level or column ``"ts"`` of a DataFrame ``X`` (the convention
    of the purged splitters); without one, all rows are one cross-section, so transforming
    a subset of rows differs from subsetting the transform: that is the point. NaN stays
    NaN and is left out of its date's statistics.
    """

    def __init__(self, method: str = "zscore", clip: float | None = None) -> None:
        self.method = method
        self.clip = clip

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: Any, y: Any = None) -> CrossSectionalScaler:
        """Check the parameters and record the number of features; return self."""
        if self.method not in METHODS:
            raise ConfigError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.clip is not None and not self.clip > 0:
            raise ConfigError(f"clip must be a positive number or None, got {self.clip!r}")
        validate_data(self, X, ensure_all_finite="allow-nan")
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Return the normalised features, shape (n_samples, n_features), float64."""
        check_is_fitted(self)
        dates = from_x(X, "ts")
        values = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype="float64")
        key = np.zeros(len(values)) if dates is None else np.asarray(dates)
        frame = pd.DataFrame(values)
        by = frame.groupby(key, sort=False)
        if self.method == "rank":
            rank = by.rank(method="average")
            count = by.transform("count")
            out = ((rank - 1.0) / (count - 1.0).where(count > 1) - 0.5).where(count > 1, 0.0)
            return out.where(frame.notna()).to_numpy(dtype="float64")
        std = by.transform("std", ddof=0)
        z = (frame - by.transform("mean")) / std.where(std > 0)
        z = z.where(std > 0, 0.0).where(frame.notna())
        if self.clip is not None:
            z = z.clip(-self.clip, self.clip)
        return z.to_numpy(dtype="float64")
