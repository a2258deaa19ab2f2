"""Nested cross-validation: tune on the outer training folds only, score on the outer tests.

A search's ``best_score_`` is optimistic: it is the best of many tries on the same folds.
The outer loop scores each tuned model on data neither its fit nor its tuning saw, so the
outer scores are an honest estimate of "tune, then trade".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import check_scoring

from mi_kernel.errors import ConfigError
from mi_kernel.model_selection._base import PurgedSplitter
from mi_kernel.model_selection._fold import take
from mi_kernel.model_selection._times import from_x


class _WithLabelEnd:
    """A purged splitter bound to the label ends of the samples it will be asked to split."""

    def __init__(self, cv: PurgedSplitter, label_end: Any) -> None:
        self.cv = cv
        self.label_end = label_end

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.cv.get_n_splits(X, y, groups)

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        return self.cv.split(X, y, groups, label_end=self.label_end)


@dataclass(frozen=True)
class NestedCVResult:
    """Outcome of :func:`nested_cross_validate`.

    Attributes
    ----------
    scores : ndarray, shape (n_outer_folds,)
        Score of each tuned model on its outer test fold: the honest estimate.
    inner_scores : ndarray, shape (n_outer_folds,)
        The search's ``best_score_`` on each outer training set (optimistic).
    best_params : tuple of dict
        Parameters chosen on each outer training set.
    folds : DataFrame
        One row per outer fold: fold, n_train, n_test, score, inner_score, params.
    """

    scores: np.ndarray
    inner_scores: np.ndarray
    best_params: tuple[dict[str, Any], ...]
    folds: pd.DataFrame

    @property
    def mean_score(self) -> float:
        """Mean outer score."""
        return float(np.mean(self.scores))


def nested_cross_validate(
    search: BaseEstimator,
    X: Any,
    y: Any = None,
    *,
    outer_cv: PurgedSplitter,
    groups: Any = None,
    label_end: Any = None,
    scoring: Any = None,
) -> NestedCVResult:
    """Tune ``search`` inside each outer training fold; score its choice on the outer test.

    Parameters
    ----------
    search : estimator
        A hyper-parameter search with an inner ``cv`` and ``best_params_``, e.g.
        ``GridSearchCV(est, grid, cv=PurgedKFold(...))`` or :class:`OptunaSearchCV`; cloned
        per outer fold and fitted on that fold's training samples only, with their dates
        as ``groups`` (and their label ends, when ``label_end`` is given).
    X : array-like or DataFrame, shape (n_samples, n_features)
    y : array-like, shape (n_samples,)
    outer_cv : PurgedSplitter
        Outer splitter, typically :class:`PurgedWalkForward`.
    groups : array-like, shape (n_samples,), optional
        Sample dates; default the index level or column ``"ts"`` of ``X``.
    label_end : array-like, shape (n_samples,), optional
        Label end of each sample; purges the outer and the inner splits.
    scoring : str or callable, optional
        Outer scorer; default the search's own ``score`` (its inner scoring).

    Returns
    -------
    NestedCVResult

    Notes
    -----
    Outer folds run one after another; each search fans its own (inner) folds out through
    joblib, so :func:`~mi_kernel.model_selection.on_dask` puts them on Dask.
    """
    if not hasattr(search, "cv"):
        raise ConfigError(
            f"nested_cross_validate needs a search with a cv parameter (GridSearchCV, "
            f"OptunaSearchCV ...), got {type(search).__name__}"
        )
    if label_end is not None and not isinstance(search.cv, PurgedSplitter):
        raise ConfigError(
            "label_end is given but the search's cv is not a purged splitter; use "
            "PurgedKFold / PurgedWalkForward inside the search"
        )
    raw = groups if groups is not None else from_x(X, "ts")
    if raw is None:
        raise ConfigError(
            "nested_cross_validate splits by date: pass groups=<sample timestamps> or give X "
            "an index level or column named 'ts'"
        )
    dates = np.asarray(raw)
    ends = None if label_end is None else np.asarray(label_end)
    rows, fitted_params = [], []
    scores, inner = [], []
    for k, (tr, te) in enumerate(outer_cv.split(X, y, dates, label_end=ends)):
        inner_search = clone(search)
        if ends is not None:
            inner_search.set_params(cv=_WithLabelEnd(search.cv, ends[tr]))
        inner_search.fit(take(X, tr), take(y, tr), groups=dates[tr])
        model = inner_search.best_estimator_
        if scoring is None:
            score = float(inner_search.score(take(X, te), take(y, te)))
        else:
            scorer = check_scoring(model, scoring=scoring)
            score = float(scorer(model, take(X, te), take(y, te)))
        best = dict(inner_search.best_params_)
        scores.append(score)
        inner.append(float(inner_search.best_score_))
        fitted_params.append(best)
        rows.append(
            {
                "fold": k,
                "n_train": len(tr),
                "n_test": len(te),
                "score": score,
                "inner_score": inner[-1],
                "params": best,
            }
        )
    return NestedCVResult(
        scores=np.asarray(scores),
        inner_scores=np.asarray(inner),
        best_params=tuple(fitted_params),
        folds=pd.DataFrame(rows),
    )
