"""Daily rank information coefficient, as a kernel and as a scikit-learn scorer.

A search that selects on R² prefers models that get the scale of returns right; a
cross-sectional strategy only needs the order of names on each date. ``rank_ic_score`` is a
scorer (``scoring=rank_ic_score`` in ``GridSearchCV``, ``cross_val_score`` or
:class:`~mi_kernel.model_selection.OptunaSearchCV`) that scores that order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.model_selection._times import from_x


def daily_rank_ic(ts: Any, prediction: Any, label: Any) -> pd.Series:
    """Compute the Spearman rank correlation of prediction and label on each date.

    Parameters
    ----------
    ts, prediction, label : array-like, shape (n_samples,)
        Sample dates, predictions and labels, aligned by position. Samples with a NaN
        prediction or label are ignored.

    Returns
    -------
    Series
        IC per date (index = sorted dates, name ``"ic"``); NaN on dates with fewer than two
        samples or a constant prediction or label.
    """
    frame = pd.DataFrame(
        {
            "ts": pd.Series(ts).reset_index(drop=True),
            "p": np.asarray(prediction, dtype="float64"),
            "y": np.asarray(label, dtype="float64"),
        }
    ).dropna()
    by = frame.groupby("ts", sort=True)
    rp, ry = by["p"].rank(), by["y"].rank()
    dp = rp - rp.groupby(frame["ts"]).transform("mean")
    dy = ry - ry.groupby(frame["ts"]).transform("mean")
    parts = pd.DataFrame({"ts": frame["ts"], "xy": dp * dy, "xx": dp * dp, "yy": dy * dy})
    sums = parts.groupby("ts", sort=True)[["xy", "xx", "yy"]].sum()
    denom = (sums["xx"] * sums["yy"]).pow(0.5)
    return (sums["xy"] / denom.where(denom > 1e-12)).rename("ic")


def rank_ic_score(estimator: Any, X: Any, y: Any) -> float:
    """Score a fitted estimator by the mean daily rank IC of its predictions on ``X``.

    Parameters
    ----------
    estimator : fitted estimator
        Its ``predict(X)`` is scored.
    X : array-like or DataFrame, shape (n_samples, n_features)
        Samples; dates come from an index level or column ``"ts"`` of a DataFrame, else
        all samples count as one cross-section (one Spearman correlation).
    y : array-like, shape (n_samples,)
        Labels.

    Returns
    -------
    float
        Mean over dates of the Spearman correlation (higher is better); NaN if no date has
        two samples with distinct values.
    """
    dates = from_x(X, "ts")
    ts = np.zeros(len(y)) if dates is None else np.asarray(dates)
    ic = daily_rank_ic(ts, estimator.predict(X), y).dropna()
    return float(ic.mean()) if len(ic) else float("nan")
