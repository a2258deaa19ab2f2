"""walk_forward_blend: refit a blender on past out-of-sample predictions only, then blend.

At each refit date t the blender learns from the samples whose labels were known before
t (``ts_end < t``, or ``label_horizon`` dates after their own date), and its weights blend
the predictions from t to the next refit. No weight ever uses a label from t onwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from mi_kernel.ensemble.diversity import model_columns, score_turnover
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.model_selection import daily_rank_ic
from mi_kernel.models import CrossSectionalScaler


def stack_predictions(oos: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Join out-of-sample predictions of several models into one wide table.

    Parameters
    ----------
    oos : mapping of str to DataFrame
        Model name -> its ``TrainedModel.oos`` (ts, symbol, prediction, label; ts_end too
        if present). All must share the label definition.

    Returns
    -------
    DataFrame
        ts, symbol, label (ts_end if given), then one prediction column per model, on the
        (ts, symbol) rows all models predicted, sorted by (ts, symbol).
    """
    if not oos:
        raise DataError("stack_predictions needs at least one model's predictions")
    names = list(oos)
    out = oos[names[0]].rename(columns={"prediction": names[0]})
    for name in names[1:]:
        part = oos[name].rename(columns={"prediction": name})
        merged = out.merge(part[["ts", "symbol", "label", name]], on=["ts", "symbol"])
        if not np.allclose(merged["label_x"], merged["label_y"], equal_nan=True):
            raise DataError(
                f"model {name!r} was scored against different labels; blend models trained "
                "on the same label definition"
            )
        out = merged.drop(columns="label_y").rename(columns={"label_x": "label"})
    return out.sort_values(["ts", "symbol"], ignore_index=True)


@dataclass(frozen=True)
class BlendResult:
    """Outcome of :func:`walk_forward_blend`.

    Attributes
    ----------
    scores : DataFrame
        ts, symbol, score (the blend), label: every sample from the first refit on.
    weights : DataFrame
        One row per refit date (index ``ts``), one column per model.
    """

    scores: pd.DataFrame
    weights: pd.DataFrame

    def summary(self) -> dict[str, float]:
        """Mean and IR of the blend's daily rank IC, its turnover, mean |weight change|."""
        ic = daily_rank_ic(self.scores["ts"], self.scores["score"], self.scores["label"])
        ic = ic.dropna()
        sd = float(ic.std(ddof=1)) if len(ic) > 1 else float("nan")
        change = self.weights.diff().abs().sum(axis=1).iloc[1:]
        return {
            "ic_mean": float(ic.mean()) if len(ic) else float("nan"),
            "ic_ir": float(ic.mean()) / sd if sd > 0 else float("nan"),
            "turnover": score_turnover(
                self.scores["ts"], self.scores["symbol"], self.scores["score"]
            ),
            "weight_change": float(change.mean()) if len(change) else float("nan"),
            "n_refits": float(len(self.weights)),
        }


def _known_before(
    data: pd.DataFrame, pos: np.ndarray, p: int, refit_date: object, horizon: int
) -> np.ndarray:
    """Mask of samples whose label was known before ``refit_date`` (at position ``p``)."""
    if "ts_end" in data.columns:
        return (data["ts_end"] < refit_date).to_numpy()
    return pos + horizon < p


def _weights_of(model: BaseEstimator, n_models: int) -> np.ndarray:
    weights = getattr(model, "weights_", getattr(model, "coef_", None))
    if weights is None or np.size(weights) != n_models:
        raise ConfigError(
            f"{type(model).__name__} exposes no weights_ or coef_ of one weight per model "
            f"({n_models}); blend with a linear blender"
        )
    return np.ravel(np.asarray(weights, dtype="float64"))


def walk_forward_blend(
    predictions: pd.DataFrame,
    blender: BaseEstimator,
    *,
    models: Sequence[str] | None = None,
    label_horizon: int = 0,
    refit_every: int = 21,
    min_history: int = 60,
    standardize: bool = True,
) -> BlendResult:
    """Blend model predictions walk-forward, refitting the blender on the past only.

    Parameters
    ----------
    predictions : DataFrame
        Wide table from :func:`stack_predictions`: ts, symbol, label, model columns, and
        optionally ts_end (the last timestamp each label uses).
    blender : estimator
        E.g. :class:`AverageBlender`, :class:`ICWeightedBlender`, :class:`RidgeStacker`,
        :class:`TurnoverAwareBlender` (or any regressor with ``weights_`` or ``coef_``);
        cloned at each refit and given ``X`` with a (ts, symbol) index. A
        ``prior_weights`` parameter is set to the previous refit's weights.
    models : sequence of str, optional
        Model columns; default every float column but the label.
    label_horizon : int, default 0
        Without ``ts_end``: a label dated at position q is known after date q + horizon,
        so a refit at position p uses samples with q + horizon < p.
    refit_every : int, default 21
        Dates between refits.
    min_history : int, default 60
        Position of the first refit date (earlier dates only train).
    standardize : bool, default True
        Z-score every model's predictions within each date first (NaN -> 0, no view), so
        that models in different units blend; uses each date's values only.

    Returns
    -------
    BlendResult
    """
    for name, value, low in (("refit_every", refit_every, 1), ("min_history", min_history, 1)):
        if int(value) != value or value < low:
            raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    if int(label_horizon) != label_horizon or label_horizon < 0:
        raise ConfigError(f"label_horizon must be an integer >= 0, got {label_horizon!r}")
    cols = model_columns(predictions, models)
    data = predictions.sort_values(["ts", "symbol"], ignore_index=True)
    index = pd.MultiIndex.from_arrays([data["ts"], data["symbol"]], names=["ts", "symbol"])
    X = pd.DataFrame(data[cols].to_numpy(dtype="float64"), index=index, columns=cols)
    if standardize:
        X = pd.DataFrame(CrossSectionalScaler().fit_transform(X), index=index, columns=cols)
    X = X.fillna(0.0)
    y = data["label"].to_numpy(dtype="float64")
    dates, pos = np.unique(data["ts"].to_numpy(), return_inverse=True)
    if len(dates) <= min_history:
        raise DataError(
            f"{len(dates)} dates leave nothing to blend after min_history={min_history}; "
            "lower min_history or pass more dates"
        )
    scores, rows = np.full(len(data), np.nan), []
    previous: np.ndarray | None = None
    for p in range(int(min_history), len(dates), int(refit_every)):
        train = _known_before(data, pos, p, dates[p], int(label_horizon)) & np.isfinite(y)
        if not train.any():
            continue
        model = clone(blender)
        if previous is not None and "prior_weights" in model.get_params():
            model.set_params(prior_weights=previous)
        model.fit(X[train], y[train])
        apply = (pos >= p) & (pos < p + int(refit_every))
        scores[apply] = model.predict(X[apply])
        previous = _weights_of(model, len(cols))
        rows.append(pd.Series(previous, index=cols, name=dates[p]))
    if not rows:
        raise DataError("no refit had a known label before it; lower label_horizon")
    keep = np.isfinite(scores)
    out = data.loc[keep, ["ts", "symbol"]].assign(score=scores[keep], label=y[keep])
    weights = pd.DataFrame(rows)
    weights.index.name = "ts"
    return BlendResult(scores=out.reset_index(drop=True), weights=weights)
