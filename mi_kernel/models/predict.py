"""predict: score feature rows into the ``signals`` table, with confidence and reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import erf

from mi_kernel.errors import DataError
from mi_kernel.models.explain import contributions, top_features_json
from mi_kernel.models.trained import TrainedModel
from mi_kernel.schemas import conform


def predict(model: TrainedModel, features: pd.DataFrame) -> pd.DataFrame:
    """Score every row of a feature table.

    Parameters
    ----------
    model : TrainedModel
        From :func:`train` or :func:`load`.
    features : DataFrame
        ``features`` table holding at least ``ts``, ``symbol`` and ``model.features``.

    Returns
    -------
    DataFrame
        ``signals`` schema, one row per input row in input order: ``score`` (the
        prediction, in label units: bps for return labels); ``confidence`` in [0, 1] =
        2 Phi(|z|) - 1 where z is the score's cross-sectional z-score on its date (0 on a date
        with one row or equal scores), i.e. how far the score stands out from the day's
        average; ``model_version``; ``top_features``, JSON of the 3 ``[feature,
        contribution]`` pairs with the largest |contribution| (linear: coef x standardised
        value; trees: SHAP values), in label units.

    Raises
    ------
    DataError
        If columns the model needs are missing.
    """
    missing = [c for c in ["ts", "symbol", *model.features] if c not in features.columns]
    if missing:
        raise DataError(
            f"features lack column(s) {missing} that model {model.model_version} needs; "
            "compute them with the recipe the model was trained on"
        )
    frame = features.reset_index(drop=True)
    X = frame[model.features].to_numpy(dtype="float64")
    if len(frame):
        score = np.asarray(model.estimator.predict(X), dtype="float64")
        top = top_features_json(model.features, contributions(model.estimator, X))
    else:
        score, top = np.empty(0), []
    out = pd.DataFrame(
        {
            "ts": frame["ts"],
            "symbol": frame["symbol"].astype(str),
            "score": score,
            "confidence": cross_sectional_confidence(frame["ts"], score),
            "model_version": model.model_version,
            "top_features": pd.Series(top, dtype=object),
        }
    )
    return conform(out, "signals")


def cross_sectional_confidence(ts: pd.Series, score: np.ndarray) -> np.ndarray:
    """Return 2 Phi(|z|) - 1 = erf(|z| / sqrt 2) of each score's z-score on its date.

    z uses the date's mean and population std of the scores; a date with one score, equal
    scores or NaN scores gives 0.
    """
    s = pd.Series(np.asarray(score, dtype="float64"), index=pd.RangeIndex(len(score)))
    by = s.groupby(pd.Series(ts).reset_index(drop=True).to_numpy())
    std = by.transform("std", ddof=0)
    z = (s - by.transform("mean")) / std.where(std > 0)
    conf = erf(np.abs(z.to_numpy()) / np.sqrt(2.0))
    return np.nan_to_num(conf, nan=0.0)
