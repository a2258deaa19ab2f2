"""Blenders: scikit-learn conformance, and they weight the informative model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from mi_kernel.ensemble import (
    AverageBlender,
    ICWeightedBlender,
    RidgeStacker,
    TurnoverAwareBlender,
)
from mi_kernel.errors import ConfigError


@parametrize_with_checks(
    [
        AverageBlender(),
        ICWeightedBlender(),
        ICWeightedBlender(statistic="ir", min_ic=0.01),
        RidgeStacker(),
        RidgeStacker(positive=False, fit_intercept=False),
        TurnoverAwareBlender(),
        TurnoverAwareBlender(stability_penalty=0.5),
    ]
)
@pytest.mark.filterwarnings("ignore:no model's daily IC:UserWarning")  # skill-free check data
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


def _xy(preds: pd.DataFrame, cols: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    index = pd.MultiIndex.from_frame(preds[["ts", "symbol"]])
    return pd.DataFrame(preds[cols].to_numpy(), index=index, columns=cols), preds[
        "label"
    ].to_numpy()


@pytest.mark.parametrize(
    "blender",
    [ICWeightedBlender(), RidgeStacker(), TurnoverAwareBlender()],
    ids=["ic", "ridge", "optimised"],
)
def test_informative_model_gets_the_weight(blender, preds) -> None:
    X, y = _xy(preds, ["noise", "good"])
    w = blender.fit(X, y).weights_
    assert w[1] > 0.8 * w.sum() and w[0] < 0.2 * w.sum(), w


def test_ic_weights_hand_checked() -> None:
    X = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0, 1.0, 3.0, 2.0]},
        index=pd.Index([0, 0, 0, 1, 1, 1], name="ts"),
    )
    y = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    model = ICWeightedBlender().fit(X, y)
    np.testing.assert_allclose(model.ic_, [1.0, -0.25])  # b: -1 on date 0, 0.5 on date 1
    np.testing.assert_allclose(model.weights_, [1.0, 0.0])
    np.testing.assert_allclose(model.predict(X), X["a"])
    with pytest.warns(UserWarning, match="no model's daily IC"):
        silent = ICWeightedBlender().fit(X[["b"]], y)
    assert (silent.predict(X[["b"]]) == 0).all()


def test_average_blender_weights() -> None:
    X, y = np.array([[1.0, 3.0], [2.0, 5.0]]), np.array([0.0, 1.0])
    np.testing.assert_allclose(AverageBlender().fit(X, y).predict(X), [2.0, 3.5])
    np.testing.assert_allclose(AverageBlender([3, 1]).fit(X, y).weights_, [0.75, 0.25])
    with pytest.raises(ConfigError, match="2 finite non-negative"):
        AverageBlender([1.0, -1.0]).fit(X, y)


def test_turnover_penalty_moves_weight_to_the_slow_model(preds) -> None:
    X, y = _xy(preds, ["fast", "slow"])
    free = TurnoverAwareBlender().fit(X, y)
    taxed = TurnoverAwareBlender(turnover_penalty=0.5).fit(X, y)
    assert free.weights_[0] > 0.5 > taxed.weights_[0]
    assert taxed.turnover_ < free.turnover_ and taxed.ic_ < free.ic_
    with pytest.raises(ConfigError, match="symbol"):
        TurnoverAwareBlender(turnover_penalty=0.5).fit(X.to_numpy(), y)


def test_stability_penalty_pulls_toward_the_prior(preds) -> None:
    X, y = _xy(preds, ["noise", "good"])
    prior = np.array([0.9, 0.1])
    free = TurnoverAwareBlender(prior_weights=prior).fit(X, y).weights_
    held = TurnoverAwareBlender(stability_penalty=1.0, prior_weights=prior).fit(X, y).weights_
    assert np.abs(held - prior).sum() < np.abs(free - prior).sum()
    assert held.sum() == pytest.approx(1.0) and (held >= 0).all()
    with pytest.raises(ConfigError, match="prior_weights"):
        TurnoverAwareBlender(prior_weights=[1.0]).fit(X, y)
