"""train: purged walk-forward out-of-sample predictions, then a final fit on all the data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.labels import LabelKind, LabelSpec, parse_label_def
from mi_kernel.model_selection import PurgedWalkForward
from mi_kernel.models.config import TrainConfig
from mi_kernel.models.evaluate import cross_sectional_hit_rate, daily_ic, oos_metrics, rmse
from mi_kernel.models.trained import (
    FOLD_COLUMNS,
    OOS_COLUMNS,
    TrainedModel,
    data_hash,
    make_version,
)
from mi_kernel.schemas import ModelCard
from mi_kernel.schemas.tables import to_utc

_KEYS = ["ts", "symbol"]
_PREDICTION = {
    LabelKind.REGRESSION: "forward return, bps",
    LabelKind.CLASSIFICATION: "P(up) - 0.5, in [-0.5, 0.5]",
}


def train(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    label_def: str,
    config: TrainConfig,
    inputs: tuple[str, ...] = (),
) -> TrainedModel:
    """Train a model with purged walk-forward validation and register what it saw.

    Parameters
    ----------
    features : DataFrame
        ``features`` table (ts, symbol, float64 feature columns).
    labels : DataFrame
        ``labels`` table (ts, symbol, ts_end, label), e.g. from
        :func:`mi_kernel.labels.forward_returns`; labels are fitted as given.
    label_def : str
        Definition the labels follow (e.g. "fwd_ret_5d"), recorded on the card.
    config : TrainConfig
        Estimator, folds, embargo, window, refit cadence, feature subset, name, owner and
        purpose.
    inputs : tuple of str
        URIs of the feature tables, recorded on the card.

    Returns
    -------
    TrainedModel
        With walk-forward OOS predictions (``oos``), per-fold metrics and a card whose
        metrics summarise the OOS predictions; the estimator is refit on all samples.

    Notes
    -----
    Samples are the inner join of features and labels on (ts, symbol); rows with a NaN
    label are dropped, NaN features are left to the estimator, except that a feature with no
    value at all in a training window (12-1 momentum in the first year) is set to 0 in that
    fit and its test rows: it carries no information there. Each fold purges training
    samples whose label window [ts, ts_end] reaches the test block and leaves an
    ``embargo``-date gap before it (:class:`PurgedWalkForward`); with ``refit_every`` > 1
    one model serves several test blocks, purged at its refit date.

    The label decides the task: ``fwd_ret_*`` trains the key's regressor (predictions in
    bps), ``fwd_up_*`` its classifier wrapped in :class:`~mi_kernel.models.UpProbability`
    (predictions P(up) - 0.5); the card's ``params`` record ``task``, ``estimator_class`` and
    ``prediction``, and classification metrics replace ``rmse_bps`` (NaN) with ``brier``
    and ``auc``.
    """
    spec = parse_label_def(label_def)
    estimator = config.build(spec.kind)
    cols = _feature_columns(features, config.features)
    data = _join(features, labels, cols)
    X = data[cols].to_numpy(dtype="float64")
    y = data["label"].to_numpy(dtype="float64")
    cv = PurgedWalkForward(
        config.n_splits,
        config.embargo,
        min_train=config.min_train,
        expanding=config.expanding,
        refit_every=config.refit_every,
    )
    # One OpenMP thread per fit: folds are the unit of parallelism, and histogram boosting
    # on busy cores with its default threads is many times slower, not faster.
    with threadpool_limits(limits=1, user_api="openmp"):
        oos, fold_metrics = _walk_forward(estimator, cv, data, X, y, spec.kind)
        final = clone(estimator).fit(_blank_empty(X, X)[0], y)
    metrics = oos_metrics(oos, len(fold_metrics), spec.kind)
    digest = data_hash(data[[*_KEYS, "ts_end", "label", *cols]])
    payload = {"config": config.model_dump(mode="json"), "label": label_def, "data": digest}
    version = make_version(config.name or config.estimator, payload)
    card = ModelCard(
        model_version=version,
        name=config.name or config.estimator,
        estimator=config.estimator,
        purpose=config.purpose,
        owner=config.owner,
        inputs=tuple(inputs),
        features=tuple(cols),
        label=label_def,
        train_start=data["ts"].min().to_pydatetime(),
        train_end=data["ts"].max().to_pydatetime(),
        cv={
            "splitter": "PurgedWalkForward",
            "n_splits": config.n_splits,
            "embargo": config.embargo,
            "min_train": cv.first_test_date(int(data["ts"].nunique())),
            "expanding": config.expanding,
            "refit_every": config.refit_every,
            "purge": "label window [ts, ts_end] of the labels table",
        },
        metrics=metrics,
        params={
            "config": config.model_dump(mode="json"),
            "estimator": _json_params(final),
            "label_kind": str(spec.kind),
            "task": str(spec.kind),
            "estimator_class": _describe(final),
            "prediction": _PREDICTION[spec.kind],
            "label_horizon": spec.horizon,
            "n_samples": len(data),
            "data_sha256": digest,
        },
        caveats=_caveats(spec, data, metrics, final),
    )
    return TrainedModel(version, final, list(cols), card, oos, fold_metrics)


def _walk_forward(
    estimator: BaseEstimator,
    cv: PurgedWalkForward,
    data: pd.DataFrame,
    X: np.ndarray,
    y: np.ndarray,
    kind: LabelKind,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the OOS predictions and the per-fold metrics of ``cv``'s folds.

    Folds sharing a training set (``refit_every`` > 1) share one fitted model.
    """
    parts, folds = [], []
    fitted, last_train = estimator, np.empty(0, dtype=np.intp)
    for k, (tr, te) in enumerate(cv.split(X, groups=data["ts"], label_end=data["ts_end"])):
        x_train, x_test = _blank_empty(X[tr], X[te])
        if k == 0 or not np.array_equal(tr, last_train):
            fitted, last_train = clone(estimator).fit(x_train, y[tr]), tr
        part = data.iloc[te][[*_KEYS, "label"]].assign(prediction=fitted.predict(x_test))
        parts.append(part)
        folds.append(_fold_row(k, data["ts"], tr, part, kind))
    oos = pd.concat(parts, ignore_index=True)[OOS_COLUMNS]
    return oos, pd.DataFrame(folds, columns=FOLD_COLUMNS)


def _blank_empty(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Set the columns that are all NaN in ``x_train`` to 0 in both arrays (copies)."""
    empty = np.isnan(x_train).all(axis=0)
    if not empty.any():
        return x_train, x_test
    x_train, x_test = x_train.copy(), x_test.copy()
    x_train[:, empty] = 0.0
    x_test[:, empty] = 0.0
    return x_train, x_test


def _feature_columns(features: pd.DataFrame, wanted: Sequence[str] | None) -> list[str]:
    floats = [
        c
        for c in features.columns
        if c not in _KEYS and pd.api.types.is_float_dtype(features[c].dtype)
    ]
    if wanted is None:
        if not floats:
            raise DataError("the feature table has no float feature columns to train on")
        return floats
    missing = [c for c in wanted if c not in floats]
    if missing:
        raise ConfigError(
            f"config.features names {missing}, which are not float columns of the feature "
            f"table; choose from {floats} or set features=None to use them all"
        )
    return list(dict.fromkeys(wanted))


def _join(features: pd.DataFrame, labels: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Inner-join on (ts, symbol), drop NaN labels, sort by (ts, symbol)."""
    need = [c for c in (*_KEYS, "ts_end", "label") if c not in labels.columns]
    if need or any(c not in features.columns for c in _KEYS):
        raise DataError(
            f"train needs features with (ts, symbol) and labels with (ts, symbol, ts_end, "
            f"label); labels lack {need}, features have {list(features.columns)[:5]}..."
        )
    left = _utc(features[[*_KEYS, *cols]], ["ts"])
    right = _utc(labels[[*_KEYS, "ts_end", "label"]], ["ts", "ts_end"])
    try:
        data = left.merge(right, on=_KEYS, how="inner", validate="one_to_one")
    except pd.errors.MergeError as exc:
        raise DataError(
            f"features or labels have duplicate (ts, symbol) rows; deduplicate them ({exc})"
        ) from exc
    data = data[data["label"].notna()]
    if data.empty:
        raise DataError(
            "features and labels share no (ts, symbol) row with a label; build both from "
            "the same bars (labels end `horizon` sessions before the data does)"
        )
    return data.sort_values(_KEYS, kind="stable", ignore_index=True)


def _utc(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = to_utc(out[c]).dt.as_unit("ns")
    out["symbol"] = out["symbol"].astype(str)
    return out


def _fold_row(
    k: int, ts: pd.Series, tr: np.ndarray, part: pd.DataFrame, kind: LabelKind
) -> dict[str, Any]:
    ic = daily_ic(part["ts"], part["prediction"], part["label"]).dropna()
    regression = kind == LabelKind.REGRESSION
    return {
        "fold": k,
        "train_start": ts.iloc[tr].min(),
        "train_end": ts.iloc[tr].max(),
        "test_start": part["ts"].min(),
        "test_end": part["ts"].max(),
        "n_train": len(tr),
        "n_test": len(part),
        "ic": float(ic.mean()) if len(ic) else float("nan"),
        "hit_rate": cross_sectional_hit_rate(part["ts"], part["prediction"], part["label"]),
        "rmse_bps": rmse(part["prediction"], part["label"]) if regression else float("nan"),
    }


def _json_params(estimator: BaseEstimator) -> dict[str, Any]:
    """Hyper-parameters that are plain JSON scalars (nested steps flattened by sklearn)."""
    return {
        k: v
        for k, v in estimator.get_params(deep=True).items()
        if v is None
        or isinstance(v, str | bool | int)
        or (isinstance(v, float) and math.isfinite(v))
    }


def _describe(estimator: BaseEstimator) -> str:
    """Class names of an estimator and what it wraps: "UpProbability(Pipeline(...))"."""
    inner = getattr(estimator, "classifier_", None)
    if isinstance(estimator, Pipeline):
        return f"Pipeline({', '.join(_describe(step) for _, step in estimator.steps)})"
    name = type(estimator).__name__
    return f"{name}({_describe(inner)})" if inner is not None else name


def _caveats(
    spec: LabelSpec, data: pd.DataFrame, metrics: dict[str, float], final: BaseEstimator
) -> tuple[str, ...]:
    out = [
        f"Metrics are out-of-sample from purged walk-forward CV; the first training window is "
        f"never tested. The final estimator is refit on all {len(data)} samples, whose labels "
        f"use prices up to {data['ts_end'].max():%Y-%m-%d}.",
        f"Labels follow {spec.text!r}: {spec.horizon}-session forward returns in bps"
        + (
            f", as 1/0 for up/down, fitted by a classifier ({_describe(final)}); predictions "
            "are P(up) - 0.5 in [-0.5, 0.5], so rmse_bps is NaN and brier / auc are given."
            if spec.kind == LabelKind.CLASSIFICATION
            else f", fitted by a regressor ({_describe(final)}); predictions are in bps."
        ),
    ]
    if metrics["n_oos_dates"] < 60:
        out.append(f"Only {metrics['n_oos_dates']:.0f} out-of-sample dates: the IC is noisy.")
    return tuple(out)
