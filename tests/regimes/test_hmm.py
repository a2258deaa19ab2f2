"""GaussianRegimeHMM: recovers simulated regimes, orders states by volatility, deterministic."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.regimes import GaussianRegimeHMM, market_features
from tests.regimes.conftest import CALM, TURBULENT


def test_recovers_two_simulated_regimes(two_regimes) -> None:
    ret, state = two_regimes
    X = ret.to_numpy()[:, None]
    est = GaussianRegimeHMM(n_states=2, random_state=0).fit(X)
    proba = est.filter_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    accuracy = (est.predict(X) == state).mean()
    assert accuracy > 0.9, accuracy  # chance is about 0.5
    assert np.sqrt(est.covars_[:, 0, 0]) == pytest.approx([CALM[1], TURBULENT[1]], rel=0.15)
    assert est.converged_ and est.transmat_[0, 0] > 0.9


def test_states_sorted_by_variance_whatever_the_seed(two_regimes) -> None:
    ret, _ = two_regimes
    X = ret.to_numpy()[:, None]
    fits = [GaussianRegimeHMM(n_states=3, n_iter=10, random_state=s).fit(X) for s in (0, 1)]
    for est in fits:
        assert np.all(np.diff(est.covars_[:, 0, 0]) > 0)
        np.testing.assert_allclose(est.transmat_.sum(axis=1), 1.0)


def test_deterministic_with_random_state(two_regimes) -> None:
    ret, _ = two_regimes
    feats = market_features((1 + ret / 100).cumprod(), vol_window=10)
    a = GaussianRegimeHMM(random_state=3).fit(feats)
    b = GaussianRegimeHMM(random_state=3).fit(feats)
    for name in ("startprob_", "transmat_", "means_", "covars_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.filter_proba(feats), b.filter_proba(feats))


def test_warm_start_starts_from_the_fit(two_regimes) -> None:
    ret, _ = two_regimes
    X = ret.to_numpy()[:, None]
    est = GaussianRegimeHMM(warm_start=True).fit(X)
    before = est.score(X)
    est.fit(X)
    assert est.n_iter_ <= 3 and est.score(X) >= before - 1e-6


def test_errors_name_the_input() -> None:
    X = np.random.default_rng(0).normal(size=(100, 2))
    with pytest.raises(ConfigError, match="covariance_type"):
        GaussianRegimeHMM(covariance_type="tied").fit(X)
    with pytest.raises(ConfigError, match="sort_feature"):
        GaussianRegimeHMM(sort_feature=2).fit(X)
    with pytest.raises(DataError, match="too few"):
        GaussianRegimeHMM(n_states=3).fit(X[:10])
    with pytest.raises(ValueError, match="NaN"):
        GaussianRegimeHMM().fit(np.where(X > 2, np.nan, X))


SEQUENCE_CHECKS = {
    "check_methods_sample_order_invariance": "filtered probabilities depend on the order of time",
    "check_methods_subset_invariance": "the state at t depends on the rows before t",
}


@parametrize_with_checks(
    [GaussianRegimeHMM(n_iter=10)], expected_failed_checks=lambda est: SEQUENCE_CHECKS
)
def test_sklearn_conventions(estimator, check) -> None:
    check(estimator)
