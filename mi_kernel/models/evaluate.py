"""Out-of-sample scoring of predictions: daily rank IC, cross-sectional hit rate, RMSE.

Every function takes aligned 1-D arrays of one entry per (ts, symbol) sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from mi_kernel.labels import LabelKind
from mi_kernel.model_selection import daily_rank_ic


def _frame(ts: pd.Series, prediction: pd.Series, label: pd.Series) -> pd.DataFrame:
    """Return the complete samples as a frame with a positional index."""
    return pd.DataFrame(
        {
            "ts": pd.Series(ts).reset_index(drop=True),
            "p": np.asarray(prediction, dtype="float64"),
            "y": np.asarray(label, dtype="float64"),
        }
    ).dropna()


def daily_ic(ts: pd.Series, prediction: pd.Series, label: pd.Series) -> pd.Series:
    """Compute the Spearman rank correlation of prediction and label on each date.

    Parameters
    ----------
    ts, prediction, label : Series, shape (n_samples,)
        Sample dates, predictions and labels (same index). Samples with a NaN are ignored.

    Returns
    -------
    Series
        IC per date (index = ts); NaN on dates with fewer than two samples or a constant
        prediction or label.
    """
    return daily_rank_ic(ts, prediction, label)


def cross_sectional_hit_rate(ts: pd.Series, prediction: pd.Series, label: pd.Series) -> float:
    """Share of samples on the right side of the daily median.

    A hit is a sample whose prediction and label are both above, or both below, their
    cross-sectional medians of the date; samples at a median are not counted.
    """
    frame = _frame(ts, prediction, label)
    if frame.empty:
        return float("nan")
    by = frame.groupby("ts")
    sp = np.sign(frame["p"] - by["p"].transform("median"))
    sy = np.sign(frame["y"] - by["y"].transform("median"))
    counted = (sp != 0) & (sy != 0)
    return float((sp[counted] == sy[counted]).mean()) if counted.any() else float("nan")


def rmse(prediction: pd.Series, label: pd.Series) -> float:
    """Root mean squared error, in the label's units (bps for return labels)."""
    err = np.asarray(prediction, dtype="float64") - np.asarray(label, dtype="float64")
    err = err[np.isfinite(err)]
    return float(np.sqrt(np.mean(err**2))) if len(err) else float("nan")


def classification_scores(prediction: pd.Series, label: pd.Series) -> dict[str, float]:
    """Brier score and ROC AUC of P(up) - 0.5 scores against 0/1 labels (pooled).

    ``brier`` = mean((prediction + 0.5 - label)^2), 0.25 for a coin; ``auc`` in [0, 1],
    0.5 for no skill. NaN where undefined (no sample, or a single class for the AUC).
    """
    p = np.asarray(prediction, dtype="float64")
    y = np.asarray(label, dtype="float64")
    keep = np.isfinite(p) & np.isfinite(y)
    p, y = p[keep], y[keep]
    brier = float(np.mean((p + 0.5 - y) ** 2)) if len(y) else float("nan")
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")
    return {"brier": brier, "auc": auc}


def oos_metrics(
    oos: pd.DataFrame, n_folds: int, kind: LabelKind = LabelKind.REGRESSION
) -> dict[str, float]:
    """Summarise out-of-sample predictions (columns ts, prediction, label).

    Returns
    -------
    dict of str to float
        ``ic_mean`` / ``ic_std`` (ddof=1) of the daily rank IC, ``ic_ir`` = ic_mean / ic_std
        (per date, not annualised), ``hit_rate`` (cross-sectional), ``rmse_bps``,
        ``n_oos`` samples, ``n_oos_dates`` and ``n_folds``. NaN where undefined. For a
        classification ``kind`` (predictions P(up) - 0.5, labels 0/1) ``rmse_bps`` is NaN
        and ``brier`` and ``auc`` are added (:func:`classification_scores`).
    """
    ic = daily_ic(oos["ts"], oos["prediction"], oos["label"]).dropna()
    mean = float(ic.mean()) if len(ic) else float("nan")
    std = float(ic.std(ddof=1)) if len(ic) > 1 else float("nan")
    out = {
        "ic_mean": mean,
        "ic_std": std,
        "ic_ir": mean / std if std > 0 else float("nan"),
        "hit_rate": cross_sectional_hit_rate(oos["ts"], oos["prediction"], oos["label"]),
        "rmse_bps": rmse(oos["prediction"], oos["label"]),
        "n_oos": float(len(oos)),
        "n_oos_dates": float(oos["ts"].nunique()),
        "n_folds": float(n_folds),
    }
    if kind == LabelKind.CLASSIFICATION:
        out["rmse_bps"] = float("nan")
        out.update(classification_scores(oos["prediction"], oos["label"]))
    return out
