"""Diversity of model predictions, and the turnover a score implies.

An ensemble gains from models that are right in different places. These measures read a
wide predictions table (``ts``, ``symbol``, one column per model; see
:func:`~mi_kernel.ensemble.stack_predictions`) and compare the models date by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.model_selection import daily_rank_ic

KEYS = ("ts", "symbol")
NON_MODEL = {"ts", "symbol", "label", "ts_end", "group"}


def model_columns(predictions: pd.DataFrame, models: Sequence[str] | None = None) -> list[str]:
    """Return the model columns: ``models`` if given (checked), else every float column
    other than ``label`` (and ``ts``, ``symbol``, ``ts_end``, ``group``)."""
    if models is not None:
        missing = [m for m in models if m not in predictions.columns]
        if missing:
            raise DataError(f"predictions have no column(s) {missing}; pass existing models")
        return list(models)
    cols = [
        c
        for c in predictions.columns
        if c not in NON_MODEL and pd.api.types.is_float_dtype(predictions[c].dtype)
    ]
    if len(cols) < 1:
        raise DataError("predictions have no float model column besides 'label'")
    return cols


def prediction_correlation(
    predictions: pd.DataFrame, models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Mean daily cross-sectional rank correlation between each pair of models.

    Returns
    -------
    DataFrame, shape (n_models, n_models)
        Symmetric, 1 on the diagonal (NaN for a pair with no date of two distinct values).
    """
    cols = model_columns(predictions, models)
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    for a, b in combinations(cols, 2):
        corr = daily_rank_ic(predictions["ts"], predictions[a], predictions[b]).mean()
        out.loc[a, b] = out.loc[b, a] = corr
    return out


def disagreement(predictions: pd.DataFrame, models: Sequence[str] | None = None) -> pd.DataFrame:
    """Share of samples two models put on opposite sides of their daily medians.

    A sample counts where both models are off their date's median; 0 = always agree on
    the side, 0.5 = independent, 1 = always opposed.

    Returns
    -------
    DataFrame, shape (n_models, n_models)
        Symmetric, 0 on the diagonal.
    """
    cols = model_columns(predictions, models)
    by = predictions.groupby("ts")[cols]
    off = predictions[cols] - by.transform("median")
    side = (off.gt(0).astype("float64") - off.lt(0).astype("float64")).where(off.notna())
    out = pd.DataFrame(np.zeros((len(cols), len(cols))), index=cols, columns=cols)
    for a, b in combinations(cols, 2):
        counted = (side[a] != 0) & (side[b] != 0) & side[a].notna() & side[b].notna()
        share = float((side[a][counted] != side[b][counted]).mean()) if counted.any() else np.nan
        out.loc[a, b] = out.loc[b, a] = share
    return out


def score_turnover(ts: pd.Series, symbol: pd.Series, score: pd.Series) -> float:
    """Mean over consecutive dates of ``1 - rank autocorrelation`` of a score.

    The rank autocorrelation of date t pairs each symbol's score on t with its score on
    the previous date (symbols on both only): 0 = the ranking never changes, 1 = a new
    ranking every date, the factor-turnover measure of alphalens.
    """
    frame = pd.DataFrame(
        {
            "ts": pd.Series(ts).to_numpy(),
            "symbol": pd.Series(symbol).to_numpy(),
            "score": np.asarray(score, dtype="float64"),
        }
    )
    wide = frame.pivot_table(index="ts", columns="symbol", values="score", aggfunc="first")
    ranks = wide.rank(axis=1)
    previous = ranks.shift(1)
    auto = ranks.T.corrwith(previous.T).dropna()  # per date, over symbols
    return float((1.0 - auto).mean()) if len(auto) else float("nan")
