"""predict: signals schema, explanations that add up; save / load round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import DataError
from mi_kernel.models import contributions, load, predict, save
from mi_kernel.schemas import conform, validate


def _last_date(feats: pd.DataFrame) -> pd.DataFrame:
    return feats[feats["ts"] == feats["ts"].max()]


@pytest.mark.parametrize("which", ["ridge_model", "hgb_model"])
def test_predict_conforms_to_signals(which: str, request, signal_data) -> None:
    model = request.getfixturevalue(which)
    feats = _last_date(signal_data[0])
    sig = predict(model, feats)
    validate(sig, "signals")
    validate(conform(sig.assign(model_version="v1"), "signals"), "signals")
    assert len(sig) == len(feats) and list(sig["symbol"]) == list(feats["symbol"])
    assert sig["confidence"].between(0, 1).all() and sig["confidence"].max() > 0.9
    top = [json.loads(t) for t in sig["top_features"]]
    assert all(len(t) == 3 for t in top)
    assert sum(t[0][0] == "f0" for t in top) > len(top) / 2  # the driver usually leads
    mags = [abs(c) for _, c in top[0]]
    assert mags == sorted(mags, reverse=True)


@pytest.mark.parametrize("which", ["ridge_model", "hgb_model"])
def test_contributions_add_up_to_the_prediction(which: str, request, signal_data) -> None:
    model = request.getfixturevalue(which)
    X = _last_date(signal_data[0])[model.features].to_numpy()
    pred = model.estimator.predict(X)
    total = contributions(model.estimator, X).sum(axis=1)
    offset = pred - total
    np.testing.assert_allclose(offset, offset[0], atol=1e-6)  # a constant: the base value


def test_confidence_is_zero_for_a_lone_or_average_score(ridge_model, signal_data) -> None:
    feats = _last_date(signal_data[0])
    lone = predict(ridge_model, feats.iloc[:1])
    assert lone["confidence"].iloc[0] == 0.0
    assert predict(ridge_model, feats.iloc[:0]).empty


def test_missing_feature_columns_are_named(ridge_model, signal_data) -> None:
    with pytest.raises(DataError, match=r"\['f2'\]"):
        predict(ridge_model, signal_data[0].drop(columns="f2"))


@pytest.mark.parametrize("which", ["ridge_model", "hgb_model"])
def test_save_load_roundtrip(which: str, request, signal_data, tmp_path: Path) -> None:
    model = request.getfixturevalue(which)
    folder = save(model, tmp_path / "m")
    assert {p.name for p in folder.iterdir()} == {
        "model.joblib",
        "model_card.json",
        "fold_metrics.parquet",
    }
    loaded = load(folder)
    assert loaded.model_version == model.model_version
    assert loaded.card == model.card
    pd.testing.assert_frame_equal(loaded.fold_metrics, model.fold_metrics)
    assert loaded.oos.empty
    feats = _last_date(signal_data[0])
    pd.testing.assert_frame_equal(predict(loaded, feats), predict(model, feats))
    model.oos.to_parquet(folder / "oos_predictions.parquet")
    pd.testing.assert_frame_equal(load(folder).oos, model.oos)


def test_load_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"model\.joblib"):
        load(tmp_path)


def test_nan_metrics_survive_the_round_trip(ridge_model, tmp_path: Path) -> None:
    metrics = {**ridge_model.card.metrics, "ic_std": float("nan")}
    card = ridge_model.card.model_copy(update={"metrics": metrics})
    loaded = load(save(replace(ridge_model, card=card), tmp_path))
    assert np.isnan(loaded.card.metrics["ic_std"])
    assert loaded.card.metrics["ic_mean"] == ridge_model.card.metrics["ic_mean"]
