"""forward_filter: hand-computed recursion, and agreement with hmmlearn where it must agree."""

from __future__ import annotations

import numpy as np
import pytest
from hmmlearn.hmm import GaussianHMM

from mi_kernel.regimes import GaussianRegimeHMM, forward_filter
from mi_kernel.regimes.filtering import safe_log


def test_hand_case_two_steps() -> None:
    pi = np.array([0.6, 0.4])
    A = np.array([[0.9, 0.1], [0.2, 0.8]])
    b = np.array([[0.5, 0.1], [0.2, 0.4]])  # emission densities of two observations
    a0 = pi * b[0]
    f0 = a0 / a0.sum()
    a1 = (f0 @ A) * b[1]
    f1 = a1 / a1.sum()
    log_post, evidence = forward_filter(np.log(pi), np.log(A), np.log(b))
    np.testing.assert_allclose(np.exp(log_post), [f0, f1])
    assert float(evidence) == pytest.approx(np.log(a0.sum() * a1.sum()))


def test_zero_transitions_are_allowed() -> None:
    A = np.array([[1.0, 0.0], [0.5, 0.5]])
    log_post, _ = forward_filter(safe_log(np.array([1.0, 0.0])), safe_log(A), np.zeros((5, 2)))
    np.testing.assert_allclose(np.exp(log_post), np.tile([1.0, 0.0], (5, 1)))


def test_batch_equals_one_model_at_a_time() -> None:
    rng = np.random.default_rng(0)
    k, m, n = 3, 4, 50
    start = rng.dirichlet(np.ones(k), size=m)
    trans = rng.dirichlet(np.ones(k), size=(m, k))
    log_lik = rng.normal(size=(n, m, k))
    batch, ev = forward_filter(np.log(start), np.log(trans), log_lik)
    for j in range(m):
        one, ev_j = forward_filter(np.log(start[j]), np.log(trans[j]), log_lik[:, j])
        np.testing.assert_allclose(batch[:, j], one)
        assert ev[j] == pytest.approx(float(ev_j))


def test_filtered_is_hmmlearns_posterior_of_the_prefix(two_regimes) -> None:
    """P(s_t | x_0..x_t) is the smoothed posterior at the last row of the prefix x_0..x_t."""
    ret, _ = two_regimes
    X = ret.to_numpy()[:300, None]
    est = GaussianRegimeHMM(random_state=0).fit(X)
    ref = GaussianHMM(2, covariance_type="full", init_params="")
    ref.n_features = 1
    ref.startprob_, ref.transmat_ = est.startprob_, est.transmat_
    ref.means_, ref.covars_ = est.means_, est.covars_
    filtered = est.filter_proba(X)
    for t in (0, 7, 120, 299):
        np.testing.assert_allclose(filtered[t], ref.predict_proba(X[: t + 1])[-1], atol=1e-10)
    assert est.score(X) == pytest.approx(ref.score(X))
    smoothed = ref.predict_proba(X)
    assert np.abs(smoothed[:-1] - filtered[:-1]).max() > 1e-3  # smoothing does use the future


def test_equals_scipys_logsumexp_recursion() -> None:
    """The recursion as it was written with scipy's logsumexp, to rounding (1e-12)."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(1)
    k, m, n = 3, 5, 400
    start = rng.dirichlet(np.ones(k), size=m)
    trans = rng.dirichlet(np.ones(k), size=(m, k))
    trans[0, :, 2] = 0.0  # a state model 0 never enters: log 0 = -inf
    trans[0] /= trans[0].sum(axis=-1, keepdims=True)
    log_lik = rng.normal(0.0, 30.0, size=(n, m, k))  # densities far below exp(-745)
    log_start, log_trans = safe_log(start), safe_log(trans)
    old = np.empty_like(log_lik)
    a = log_start + log_lik[0]
    norm = logsumexp(a, axis=-1, keepdims=True)
    old[0], evidence = a - norm, norm[..., 0].copy()
    for t in range(1, n):
        a = logsumexp(old[t - 1][..., :, None] + log_trans, axis=-2) + log_lik[t]
        norm = logsumexp(a, axis=-1, keepdims=True)
        old[t], evidence = a - norm, evidence + norm[..., 0]
    new, new_evidence = forward_filter(log_start, log_trans, log_lik)
    assert np.isneginf(new[1:, 0, 2]).all() and np.isneginf(old[1:, 0, 2]).all()
    finite = np.isfinite(old)
    np.testing.assert_array_equal(np.isfinite(new), finite)
    np.testing.assert_allclose(new[finite], old[finite], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(new_evidence, evidence, rtol=1e-12)
