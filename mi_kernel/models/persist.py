"""save / load: a model folder with the estimator, its card and its fold metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import joblib
import pandas as pd

from mi_kernel.errors import DataError, IntegrityError
from mi_kernel.models.trained import FOLD_COLUMNS, OOS_COLUMNS, TrainedModel
from mi_kernel.runstore.hashing import sha256_file
from mi_kernel.schemas import ModelCard

ESTIMATOR_FILE = "model.joblib"
CARD_FILE = "model_card.json"
FOLDS_FILE = "fold_metrics.parquet"
OOS_FILE = "oos_predictions.parquet"


def save(model: TrainedModel, folder: Path) -> Path:
    """Write ``model.joblib``, ``model_card.json`` and ``fold_metrics.parquet`` to ``folder``.

    The OOS predictions are not written: the caller records them as ``oos_predictions.parquet``
    (a run artifact). NaN metrics are written as JSON null. Returns ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(
        {
            "estimator": model.estimator,
            "features": list(model.features),
            "model_version": model.model_version,
        },
        folder / ESTIMATOR_FILE,
    )
    (folder / CARD_FILE).write_text(model.card.model_dump_json(indent=2), encoding="utf-8")
    model.fold_metrics.to_parquet(folder / FOLDS_FILE, index=False)
    return folder


def load(folder: Path, estimator_sha256: str | None = None) -> TrainedModel:
    """Read a model folder written by :func:`save` (plus ``oos_predictions.parquet`` if any).

    The estimator is a joblib pickle, and unpickling runs code: given ``estimator_sha256``
    (the hash recorded when the model was registered) the file's bytes must match it before
    they are unpickled. Never load a model folder of unknown origin without it.

    Raises
    ------
    DataError
        If the estimator or the card is missing.
    IntegrityError
        If the estimator's bytes do not hash to ``estimator_sha256``.
    """
    folder = Path(folder)
    for name in (ESTIMATOR_FILE, CARD_FILE):
        if not (folder / name).is_file():
            raise DataError(
                f"{folder / name} does not exist; point load() at a folder written by "
                "mi_kernel.models.save()"
            )
    if estimator_sha256 is not None:
        actual = sha256_file(folder / ESTIMATOR_FILE)
        if actual != estimator_sha256:
            raise IntegrityError(
                f"{folder / ESTIMATOR_FILE} does not match the sha256 registered for it "
                f"({actual[:12]} != {estimator_sha256[:12]}): it was changed after training "
                "and is not unpickled; run `mi runs verify`"
            )
    blob = joblib.load(folder / ESTIMATOR_FILE)
    raw = json.loads((folder / CARD_FILE).read_text(encoding="utf-8"))
    raw["metrics"] = {k: math.nan if v is None else v for k, v in raw["metrics"].items()}
    card = ModelCard.model_validate(raw)
    folds = (
        pd.read_parquet(folder / FOLDS_FILE)
        if (folder / FOLDS_FILE).is_file()
        else pd.DataFrame(columns=FOLD_COLUMNS)
    )
    oos = (
        pd.read_parquet(folder / OOS_FILE)
        if (folder / OOS_FILE).is_file()
        else pd.DataFrame(columns=OOS_COLUMNS)
    )
    return TrainedModel(
        model_version=str(blob["model_version"]),
        estimator=blob["estimator"],
        features=list(blob["features"]),
        card=card,
        oos=oos,
        fold_metrics=folds,
    )
