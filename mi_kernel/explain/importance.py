"""Global and per-asset SHAP importance, and the top features of each prediction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.explain.shap_values import ExplainerKind, Explanation, shap_values
from mi_kernel.models import TrainedModel
from mi_kernel.models.explain import TOP_K, top_features_json


@dataclass(frozen=True, eq=False)
class ModelExplanation:
    """SHAP explanation of a trained model on a feature table.

    Attributes
    ----------
    explanation : Explanation
        Per-row SHAP values (index aligned with the explained rows of the feature table).
    global_importance : Series
        Mean |SHAP| per feature, largest first, in label units (bps for return labels).
    per_asset : DataFrame
        Index = symbol, columns = features: mean signed SHAP value of each symbol's rows.
    top_features : DataFrame
        ts, symbol, top_features (JSON of the k largest-|SHAP| ``[feature, value]`` pairs, the
        format of the signals table).
    """

    explanation: Explanation
    global_importance: pd.Series
    per_asset: pd.DataFrame
    top_features: pd.DataFrame


def global_importance(explanation: Explanation) -> pd.Series:
    """Return mean |SHAP value| per feature over the explained rows, sorted descending."""
    mean_abs = explanation.values.abs().mean(axis=0)
    return mean_abs.sort_values(ascending=False, kind="stable").rename("mean_abs_shap")


def per_asset(explanation: Explanation, symbols: pd.Series | np.ndarray) -> pd.DataFrame:
    """Return each symbol's mean signed SHAP value per feature (index symbol, sorted).

    Parameters
    ----------
    explanation : Explanation
        From :func:`shap_values`.
    symbols : array-like, shape (n_samples,)
        Symbol of each explained row, in row order.
    """
    sym = np.asarray(symbols, dtype=object)
    if len(sym) != len(explanation.values):
        raise DataError(
            f"{len(sym)} symbols for {len(explanation.values)} explained rows; pass the "
            "symbol column of the rows that were explained"
        )
    frame = explanation.values.set_axis(pd.Index(sym, name="symbol"), axis=0)
    return frame.groupby(level="symbol", sort=True).mean()


def top_features(explanation: Explanation, k: int = TOP_K) -> list[str]:
    """Return, per row, JSON of the ``k`` largest-|SHAP| ``[feature, value]`` pairs.

    The same format and ordering as the ``top_features`` column of
    :func:`mi_kernel.models.predict` (and the same values for linear and tree models).
    """
    values = explanation.values.to_numpy(dtype="float64")
    return top_features_json(explanation.feature_names, values, k=k)


def explain_model(
    model: TrainedModel,
    features: pd.DataFrame,
    kind: ExplainerKind | str = "auto",
    max_rows: int | None = None,
    k: int = TOP_K,
    random_state: int = 0,
) -> ModelExplanation:
    """Explain a trained model's predictions on a feature table with SHAP values.

    Parameters
    ----------
    model : TrainedModel
        From :func:`mi_kernel.models.train` or :func:`mi_kernel.models.load`.
    features : DataFrame
        ``features`` table with ts, symbol and the model's feature columns.
    kind : {"auto", "linear", "tree", "permutation"}
        Explainer (see :func:`shap_values`).
    max_rows : int, optional
        Explain a random sample of at most this many rows (for the slow permutation
        explainer); default every row.
    k : int, default 3
        Features per row in ``top_features``.
    random_state : int, default 0
        Seeds the row sample and the permutation explainer.

    Returns
    -------
    ModelExplanation
    """
    missing = [c for c in ["ts", "symbol", *model.features] if c not in features.columns]
    if missing:
        raise DataError(
            f"features lack column(s) {missing} that model {model.model_version} needs; "
            "compute them with the recipe the model was trained on"
        )
    rows = features
    if max_rows is not None and len(features) > max_rows:
        rng = np.random.default_rng(random_state)
        rows = features.iloc[np.sort(rng.choice(len(features), max_rows, replace=False))]
    expl = shap_values(model.estimator, rows[model.features], kind=kind, random_state=random_state)
    top = pd.DataFrame(
        {
            "ts": rows["ts"].to_numpy(),
            "symbol": rows["symbol"].astype(str).to_numpy(),
            "top_features": top_features(expl, k=k),
        },
        index=rows.index,
    )
    return ModelExplanation(
        explanation=expl,
        global_importance=global_importance(expl),
        per_asset=per_asset(expl, rows["symbol"].astype(str).to_numpy()),
        top_features=top,
    )
