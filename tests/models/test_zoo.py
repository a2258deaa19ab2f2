"""Every registered estimator trains, learns a known relation, and gets an honest card."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.models import ESTIMATORS, TrainConfig, contributions, predict, train
from tests.models.conftest import synthetic

REGRESSORS = ["ridge", "lasso", "hgb", "rf", "lgbm"]
CLASSIFIERS = ["ridge", "lasso", "logistic", "hgb", "rf", "lgbm"]


@pytest.fixture(scope="module")
def weak_data() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A weaker relation (label noise 10 bps, signal 0.1 x 100 x f0 bps) on 120 x 30 samples."""
    return synthetic(2, signal=0.1)


@pytest.fixture(scope="module")
def up_labels(weak_data) -> pd.DataFrame:
    labels = weak_data[1]
    return labels.assign(label=(labels["label"] > 0).astype("float64"))


def test_registry_keys() -> None:
    assert set(ESTIMATORS) == {"ridge", "lasso", "logistic", "hgb", "rf", "lgbm"}


@pytest.mark.parametrize("name", REGRESSORS)
def test_regressors_learn(name: str, weak_data) -> None:
    feats, labels = weak_data
    model = train(feats, labels, "fwd_ret_5d", TrainConfig(estimator=name, n_splits=3))
    card = model.card
    assert card.params["task"] == "regression" and card.estimator == name
    assert card.params["prediction"] == "forward return, bps"
    assert card.metrics["ic_mean"] > 0.4, card.metrics
    assert np.isfinite(card.metrics["rmse_bps"]) and "auc" not in card.metrics
    X = feats[model.features].to_numpy()[:30]
    offset = model.estimator.predict(X) - contributions(model.estimator, X).sum(axis=1)
    np.testing.assert_allclose(offset, offset[0], atol=1e-6)  # contributions add up


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_up_labels_route_to_classifiers(name: str, weak_data, up_labels) -> None:
    feats = weak_data[0]
    model = train(feats, up_labels, "fwd_up_5d", TrainConfig(estimator=name, n_splits=3))
    card = model.card
    assert card.params["task"] == "classification"
    assert card.params["estimator_class"].startswith("UpProbability(")
    assert "classifier" in card.caveats[1] and "P(up) - 0.5" in card.caveats[1]
    assert card.metrics["auc"] > 0.7 and card.metrics["brier"] < 0.25
    assert card.metrics["ic_mean"] > 0.3 and np.isnan(card.metrics["rmse_bps"])
    assert model.oos["prediction"].between(-0.5, 0.5).all()
    assert model.fold_metrics["rmse_bps"].isna().all()
    sig = predict(model, feats[feats["ts"] == feats["ts"].max()])
    assert sig["score"].between(-0.5, 0.5).all()
    assert sig["top_features"].str.contains('"f0"').mean() > 0.5


def test_regression_is_still_the_default_task(weak_data, up_labels) -> None:
    feats, labels = weak_data
    reg = train(feats, labels, "fwd_ret_5d", TrainConfig(n_splits=2))
    assert reg.card.params["estimator_class"] == "Pipeline(SimpleImputer, StandardScaler, Ridge)"
    clf = train(feats, up_labels, "fwd_up_5d", TrainConfig(n_splits=2))
    assert "LogisticRegression" in clf.card.params["estimator_class"]


def test_refit_cadence_and_rolling_window(weak_data) -> None:
    feats, labels = weak_data
    cfg = TrainConfig(n_splits=4, refit_every=2, expanding=False, min_train=30, embargo=1)
    model = train(feats, labels, "fwd_ret_5d", cfg)
    folds = model.fold_metrics
    assert folds["train_end"].iloc[0] == folds["train_end"].iloc[1] < folds["test_start"].iloc[1]
    assert folds["train_start"].iloc[2] > folds["train_start"].iloc[0]  # the window rolled
    assert (folds["train_end"] < folds["test_start"]).all()
    assert (model.card.cv["refit_every"], model.card.cv["expanding"]) == (2, False)
    every = train(feats, labels, "fwd_ret_5d", cfg.model_copy(update={"refit_every": 1}))
    assert every.model_version != model.model_version
    first_two = folds["n_test"].iloc[:2].sum()
    np.testing.assert_allclose(  # the first refit is the same fit either way
        model.oos["prediction"].iloc[: folds["n_test"].iloc[0]],
        every.oos["prediction"].iloc[: folds["n_test"].iloc[0]],
    )
    assert not np.allclose(
        model.oos["prediction"].iloc[:first_two], every.oos["prediction"].iloc[:first_two]
    )
