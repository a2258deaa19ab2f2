"""train: OOS skill on a known relation, none on noise, a complete and honest model card."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from mi_kernel.errors import ConfigError
from mi_kernel.models import TrainConfig, train
from mi_kernel.models.evaluate import daily_ic
from tests.models.conftest import N_DATES, synthetic

METRICS = {"ic_mean", "ic_std", "ic_ir", "hit_rate", "n_oos", "n_folds", "rmse_bps"}


@pytest.mark.parametrize("which", ["ridge_model", "hgb_model"])
def test_learns_a_known_relation(which: str, request: pytest.FixtureRequest) -> None:
    model = request.getfixturevalue(which)
    assert set(model.card.metrics) >= METRICS
    assert model.card.metrics["ic_mean"] > 0.5
    assert model.card.metrics["hit_rate"] > 0.7
    assert (model.fold_metrics["ic"] > 0.5).all()


def test_no_skill_on_noise() -> None:
    feats, labels = synthetic(1, signal=0.0)
    model = train(feats, labels, "fwd_ret_5d", TrainConfig(estimator="ridge"))
    assert abs(model.card.metrics["ic_mean"]) < 0.05
    assert model.card.metrics["rmse_bps"] == pytest.approx(10, rel=0.1)


def test_card_and_version(ridge_model, signal_data) -> None:
    card = ridge_model.card
    assert re.fullmatch(r"ridge-fwd-5d-[0-9a-f]{10}", ridge_model.model_version)
    assert card.model_version == ridge_model.model_version
    assert card.inputs == ("run://x/features/core.parquet",)
    assert card.features == ("f0", "f1", "f2", "f3") == tuple(ridge_model.features)
    assert (card.label, card.purpose, card.owner) == ("fwd_ret_5d", "test", "research")
    feats, _ = signal_data
    assert card.train_start == feats["ts"].min() and card.train_end == feats["ts"].max()
    assert card.cv["embargo"] == 2 and card.metrics["n_folds"] == 5
    assert card.caveats
    card.model_dump_json()  # serialisable
    feats, labels = signal_data
    cfg = TrainConfig(estimator="ridge", name="ridge fwd/5d", embargo=2, purpose="test")
    again = train(feats, labels, "fwd_ret_5d", cfg, inputs=("other",))
    assert again.model_version == ridge_model.model_version  # deterministic
    moved = labels.assign(label=labels["label"] + 1.0)
    assert train(feats, moved, "fwd_ret_5d", cfg).model_version != again.model_version


def test_oos_and_folds_are_walk_forward(ridge_model) -> None:
    oos, folds = ridge_model.oos, ridge_model.fold_metrics
    assert list(oos.columns) == ["ts", "symbol", "prediction", "label"]
    assert len(folds) == 5 and folds["n_test"].sum() == len(oos)
    assert (folds["train_end"] < folds["test_start"]).all()
    gap = folds["test_start"] - folds["train_end"]
    assert (gap >= pd.Timedelta(days=7)).all()  # purge (5 sessions) + embargo (2 dates)
    first_test = sorted(oos["ts"].unique())[0]
    assert first_test == pd.bdate_range("2021-01-01", periods=N_DATES, tz="UTC")[N_DATES // 6]
    ic = daily_ic(oos["ts"], oos["prediction"], oos["label"])
    assert ic.mean() == pytest.approx(ridge_model.card.metrics["ic_mean"])


def test_daily_ic_hand_case() -> None:
    ts = pd.Series(["a"] * 3 + ["b"] * 3)
    ic = daily_ic(ts, pd.Series([1, 2, 3, 1, 2, 3]), pd.Series([10, 20, 30, 30, 20, 10]))
    assert ic.to_dict() == {"a": pytest.approx(1.0), "b": pytest.approx(-1.0)}


def test_nan_labels_are_dropped_and_features_may_be_nan(signal_data) -> None:
    feats, labels = signal_data
    labels = labels.assign(label=labels["label"].where(labels.index % 10 != 0))
    model = train(feats, labels, "fwd_ret_5d", TrainConfig())
    assert model.card.params["n_samples"] == int(labels["label"].notna().sum())
    assert np.isfinite(model.oos["prediction"]).all()


def test_config_errors(signal_data) -> None:
    feats, labels = signal_data
    with pytest.raises(ConfigError, match=r"'xgb'.*\['hgb', 'lasso', 'lgbm', 'logistic'"):
        train(feats, labels, "fwd_ret_5d", TrainConfig(estimator="xgb"))
    with pytest.raises(ConfigError, match="fwd_up_"):
        train(feats, labels, "fwd_ret_5d", TrainConfig(estimator="logistic"))
    with pytest.raises(ConfigError, match="nope"):
        train(feats, labels, "fwd_ret_5d", TrainConfig(features=["f0", "nope"]))
    with pytest.raises(ConfigError, match="label definition"):
        train(feats, labels, "next_week", TrainConfig())
    with pytest.raises(ValidationError):
        TrainConfig.model_validate({"estimator": "ridge", "lr": 0.1})
    with pytest.raises(ValidationError):
        TrainConfig().estimator = "hgb"  # frozen


def test_feature_subset(signal_data) -> None:
    feats, labels = signal_data
    model = train(feats, labels, "fwd_ret_5d", TrainConfig(features=["f1", "f0"], n_splits=2))
    assert model.features == ["f1", "f0"]
    assert model.card.metrics["ic_mean"] > 0.5
