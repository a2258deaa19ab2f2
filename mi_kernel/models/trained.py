"""TrainedModel: a fitted estimator with its features, model card and OOS record."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sklearn.base import BaseEstimator

from mi_kernel.schemas import ModelCard

OOS_COLUMNS = ["ts", "symbol", "prediction", "label"]
FOLD_COLUMNS = [
    "fold",
    "train_start",
    "train_end",
    "test_start",
    "test_end",
    "n_train",
    "n_test",
    "ic",
    "hit_rate",
    "rmse_bps",
]


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained model, as returned by :func:`train` and :func:`load`.

    Attributes
    ----------
    model_version : str
        ``<name>-<10 hex digits>``, deterministic in config, label definition and data.
    estimator : BaseEstimator
        Fitted on all the training data.
    features : list of str
        Feature columns, in the order the estimator expects.
    card : ModelCard
        What the model is, what it saw, how it did out of sample, who owns it.
    oos : DataFrame
        Walk-forward out-of-sample predictions: ts, symbol, prediction, label (bps).
    fold_metrics : DataFrame
        One row per fold: dates and sizes of train and test, ic, hit_rate, rmse_bps.
    """

    model_version: str
    estimator: BaseEstimator
    features: list[str]
    card: ModelCard
    oos: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OOS_COLUMNS))
    fold_metrics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FOLD_COLUMNS))


def slug(text: str) -> str:
    """Return ``text`` with runs of characters outside [A-Za-z0-9_.-] replaced by '-'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "model"


def data_hash(frame: pd.DataFrame) -> str:
    """Return the SHA-256 of a frame's values (column names and row order included)."""
    digest = hashlib.sha256(json.dumps(list(map(str, frame.columns))).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def make_version(name: str, payload: dict[str, Any]) -> str:
    """Return ``<slug(name)>-<first 10 hex digits of the SHA-256 of payload as JSON>``."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return f"{slug(name)}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"
