"""Our own estimators follow scikit-learn's conventions (parametrize_with_checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from mi_kernel.errors import ConfigError
from mi_kernel.models import CrossSectionalScaler, UpProbability

_CROSS_SECTIONAL = {
    "check_methods_subset_invariance": "cross-sectional by design: a row's value depends on "
    "the other rows of its date (all rows, without a 'ts' level)"
}


def _expected_failures(estimator) -> dict[str, str]:
    return _CROSS_SECTIONAL if isinstance(estimator, CrossSectionalScaler) else {}


@parametrize_with_checks(
    [
        UpProbability(),
        UpProbability(DecisionTreeClassifier(max_depth=3, random_state=0)),  # takes NaN
        CrossSectionalScaler(),
        CrossSectionalScaler(method="rank", clip=3.0),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


def test_cross_sectional_scaler_hand_checked() -> None:
    index = pd.MultiIndex.from_arrays(
        [["d1", "d1", "d1", "d2", "d2"], list("abcab")], names=["ts", "symbol"]
    )
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 5.0, np.nan], "c": [7.0, 7.0, 7.0, 1.0, 2.0]}, index)
    z = CrossSectionalScaler().fit_transform(X)
    s = np.sqrt(2 / 3)
    np.testing.assert_allclose(z[:, 0], [-1 / s, 0, 1 / s, 0, np.nan])
    np.testing.assert_allclose(z[:, 1], [0, 0, 0, -1, 1])  # constant on d1: 0
    r = CrossSectionalScaler("rank").fit_transform(X)
    np.testing.assert_allclose(r[:, 0], [-0.5, 0, 0.5, 0, np.nan])  # a lone value: 0
    np.testing.assert_allclose(r[:, 1], [0, 0, 0, -0.5, 0.5])  # ties share the mean rank
    pooled = CrossSectionalScaler("rank").fit_transform(X.to_numpy())  # one cross-section
    np.testing.assert_allclose(pooled[:, 0], [-0.5, -1 / 6, 1 / 6, 0.5, np.nan])
    with pytest.raises(ConfigError, match="method"):
        CrossSectionalScaler("minmax").fit(X)


def test_up_probability_scores_the_side() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    returns = 50 * X[:, 0] + rng.normal(0, 20, 400)
    model = UpProbability().fit(X, returns)  # bps returns: up = return > 0
    score = model.predict(X)
    assert score.min() >= -0.5 and score.max() <= 0.5
    assert np.corrcoef(score, X[:, 0])[0, 1] > 0.9
    assert model.up_rate_ == pytest.approx((returns > 0).mean())
    up01 = UpProbability().fit(X, (returns > 0).astype(float))
    np.testing.assert_allclose(up01.predict(X), score)  # 0/1 labels: same classifier
    with pytest.warns(UserWarning, match="all 400 training labels are up"):
        flat = UpProbability().fit(X, np.ones(400))
    assert (flat.predict(X) == 0).all()
