"""Equality with the reference libraries (sklearn, skfolio) and properties of every result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skfolio.moments import EquilibriumMu
from skfolio.optimization import MeanRisk, ObjectiveFunction
from skfolio.prior import BlackLitterman, EmpiricalPrior
from sklearn.covariance import OAS as SkOAS
from sklearn.covariance import LedoitWolf as SkLedoitWolf

from mi_kernel.portfolio import (
    Constraints,
    MeanVariance,
    black_litterman,
    equilibrium_returns,
    estimate_covariance,
    risk_decomposition,
    solve_mean_variance,
)


def _returns(seed: int = 0, t: int = 300, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(0, 0.01, (t, 2)) @ rng.normal(1, 0.3, (2, n)) / 2
    drift = rng.uniform(0.0001, 0.001, n)
    values = drift + common + rng.normal(0, 0.015, (t, n))
    return pd.DataFrame(values, columns=[f"S{i:02d}" for i in range(n)])


@pytest.mark.parametrize(("ours", "theirs"), [("ledoit_wolf", SkLedoitWolf), ("oas", SkOAS)])
def test_shrinkage_covariances_equal_sklearn(ours: str, theirs: type) -> None:
    r = _returns()
    got = estimate_covariance(r, ours).to_numpy()
    np.testing.assert_allclose(got, theirs().fit(r.to_numpy()).covariance_, rtol=0, atol=1e-10)


def test_sample_covariance_equals_pandas() -> None:
    r = _returns()
    np.testing.assert_allclose(estimate_covariance(r, "sample"), r.cov(), rtol=0, atol=1e-15)


def test_factor_covariance_reproduces_a_designed_model() -> None:
    rng = np.random.default_rng(5)
    f = rng.normal(0, 0.01, (2000, 2))
    b = np.array([[1.0, 0.2], [0.5, -0.4], [1.5, 0.0]])
    r = pd.DataFrame(f @ b.T + rng.normal(0, 0.002, (2000, 3)), columns=list("abc"))
    cov = estimate_covariance(r, "factor", factors=f).to_numpy()
    expected = b @ np.cov(f, rowvar=False) @ b.T + np.diag([0.002**2] * 3)
    np.testing.assert_allclose(cov, expected, rtol=0.05)
    stat = estimate_covariance(r, "factor", n_factors=2).to_numpy()  # PCA factors
    np.testing.assert_allclose(stat, r.cov().to_numpy(), rtol=0.1, atol=1e-6)


def test_ew_covariance_weights_recent_periods_more() -> None:
    r = _returns(t=400)
    r.iloc[-50:, 0] *= 4  # the first asset got riskier lately
    ew = estimate_covariance(r, "ew", half_life=20).iloc[0, 0]
    assert ew > 4 * estimate_covariance(r, "sample").iloc[0, 0]


SKFOLIO_CASES = {
    "min_variance": ({}, {"objective_function": ObjectiveFunction.MINIMIZE_RISK}),
    "max_sharpe": ({}, {"objective_function": ObjectiveFunction.MAXIMIZE_RATIO}),
    "mean_variance": (
        {"risk_aversion": 50.0},
        {"objective_function": ObjectiveFunction.MAXIMIZE_UTILITY, "risk_aversion": 50.0},
    ),
    "target_return": ({"target_return": 0.0006}, {"min_return": 0.0006}),
}


@pytest.mark.parametrize("objective", sorted(SKFOLIO_CASES))
def test_mean_variance_equals_skfolio_with_caps(objective: str) -> None:
    r = _returns(seed=1)
    ours_kw, theirs_kw = SKFOLIO_CASES[objective]
    cons = Constraints(max_position=0.2)
    ours = MeanVariance(objective, constraints=cons, **ours_kw).fit(r).weights_
    theirs = MeanRisk(
        prior_estimator=EmpiricalPrior(
            covariance_estimator=__import__("skfolio.moments", fromlist=["LedoitWolf"]).LedoitWolf()
        ),
        max_weights=0.2,
        solver_params={"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10},
        **theirs_kw,
    ).fit(r)
    np.testing.assert_allclose(ours.to_numpy(), theirs.weights_, rtol=0, atol=1e-4)


def test_black_litterman_equals_skfolio() -> None:
    r = _returns(seed=2, n=5)
    names = list(r.columns)
    views = pd.Series({names[0]: 0.002, names[3]: -0.001})
    theirs = BlackLitterman(
        views=[f"{k} == {v}" for k, v in views.items()],
        prior_estimator=EmpiricalPrior(mu_estimator=EquilibriumMu(risk_aversion=2.0)),
        tau=0.05,
        view_confidences=[0.3, 0.8],
    ).fit(r)
    cov = r.cov()  # skfolio's empirical prior: sample covariance, equal market weights
    prior = equilibrium_returns(cov, pd.Series(1 / 5, index=names), risk_aversion=2.0)
    ours = black_litterman(cov, prior, views, pd.Series([0.3, 0.8], index=views.index), tau=0.05)
    dist = theirs.return_distribution_
    np.testing.assert_allclose(ours.posterior.to_numpy(), dist.mu, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.covariance.to_numpy(), dist.covariance, rtol=0, atol=1e-12)


def test_black_litterman_confidence_moves_the_posterior_toward_the_view() -> None:
    r = _returns(seed=3, n=4)
    cov = r.cov()
    prior = pd.Series(0.0005, index=cov.index)
    view = pd.Series({"S00": 0.003})
    post = {c: black_litterman(cov, prior, view, c).posterior["S00"] for c in (0.0, 0.5, 1.0)}
    assert post[0.0] == pytest.approx(0.0005)  # no confidence: the prior
    assert post[0.0] < post[0.5] < post[1.0] == pytest.approx(0.003)  # full confidence: the view


# -- properties ---------------------------------------------------------------------------
problems = st.tuples(
    st.integers(0, 10_000),  # seed
    st.integers(3, 8),  # assets
    st.floats(0.2, 0.6),  # position cap
    st.booleans(),  # long only
)


def _problem(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.01, (n, n))
    cov = a @ a.T + np.diag(rng.uniform(1e-5, 1e-4, n))
    mu = rng.normal(0.0003, 0.001, n)
    return cov, mu, [f"S{i}" for i in range(n)]


@settings(max_examples=20, deadline=None)
@given(problems)
def test_weights_respect_every_cap(case: tuple[int, int, float, bool]) -> None:
    seed, n, cap, long_only = case
    cov, mu, names = _problem(seed, n)
    sectors = {s: f"sec{i % 2}" for i, s in enumerate(names)}
    cons = Constraints(
        long_only=long_only,
        budget=1.0 if long_only else None,
        min_net=None if long_only else -0.2,
        max_net=None if long_only else 0.2,
        max_gross=None if long_only else 1.5,
        max_position=max(cap, 1.2 / n),
        max_sector=0.8 if long_only else 1.0,
        sectors=sectors,
    )
    w = solve_mean_variance(cov, mu, "mean_variance", cons, names, risk_aversion=5.0).weights
    tol = 1e-7
    assert np.abs(w).max() <= cons.max_position + tol
    for sec in ("sec0", "sec1"):
        mask = np.array([sectors[s] == sec for s in names])
        assert np.abs(w[mask]).sum() <= (cons.max_sector or 1) + tol
    if long_only:
        assert w.min() >= -tol and w.sum() == pytest.approx(1.0, abs=1e-6)
    else:
        assert np.abs(w).sum() <= 1.5 + tol and -0.2 - tol <= w.sum() <= 0.2 + tol


@settings(max_examples=20, deadline=None)
@given(problems)
def test_risk_contributions_sum_to_the_variance(case: tuple[int, int, float, bool]) -> None:
    seed, n, _, _ = case
    cov, _, names = _problem(seed, n)
    w = pd.Series(np.random.default_rng(seed).normal(0, 1, n), index=names)
    c = pd.DataFrame(cov, index=names, columns=names)
    rc = risk_decomposition(w, c)
    assert rc["risk_contribution"].sum() == pytest.approx(float(w @ cov @ w), rel=1e-12)
    assert rc["risk_share"].sum() == pytest.approx(1.0, rel=1e-12)


@settings(max_examples=20, deadline=None)
@given(problems, st.floats(1e-5, 1e-2))
def test_adding_a_cost_term_never_raises_turnover(case: tuple, cost: float) -> None:
    seed, n, cap, _ = case
    cov, mu, names = _problem(seed, n)
    prev = np.full(n, 1.0 / n)
    cons = Constraints(max_position=max(cap, 1.2 / n))
    args = (cov, mu, "mean_variance", cons, names)
    free = solve_mean_variance(*args, previous_weights=prev, risk_aversion=5.0).weights
    paid = solve_mean_variance(*args, previous_weights=prev, costs=cost, risk_aversion=5.0)
    assert np.abs(paid.weights - prev).sum() <= np.abs(free - prev).sum() + 1e-6


@settings(max_examples=20, deadline=None)
@given(problems)
def test_mean_variance_is_invariant_to_asset_order(case: tuple[int, int, float, bool]) -> None:
    seed, n, cap, _ = case
    cov, mu, names = _problem(seed, n)
    mu = np.abs(mu)  # max Sharpe needs a positive expected return somewhere
    order = np.random.default_rng(seed + 1).permutation(n)
    cons = Constraints(max_position=max(cap, 1.2 / n))
    w = solve_mean_variance(cov, mu, "max_sharpe", cons, names).weights
    w2 = solve_mean_variance(
        cov[np.ix_(order, order)], mu[order], "max_sharpe", cons, [names[i] for i in order]
    ).weights
    np.testing.assert_allclose(w2, w[order], atol=1e-6)


def test_constraints_validate_their_fields() -> None:
    from mi_kernel.errors import ConfigError
    from mi_kernel.portfolio import as_constraints

    with pytest.raises(ConfigError, match="min_net"):
        as_constraints({"long_only": False, "budget": None, "min_net": 0.5, "max_net": 0.1})
    with pytest.raises(ConfigError, match="unbounded"):
        as_constraints({"long_only": False, "budget": None})
    with pytest.raises(ConfigError, match="max_postion"):
        as_constraints({"max_postion": 0.1})
    with pytest.raises(ConfigError, match="beta_band"):
        as_constraints({"beta_band": (1.2, 0.8)})


def test_min_variance_and_max_sharpe_equal_pyportfolioopt() -> None:
    from pypfopt import EfficientFrontier

    r = _returns(seed=4, n=15)
    cov = estimate_covariance(r, "ledoit_wolf")
    mu = r.mean()
    ours_mv = solve_mean_variance(cov.to_numpy(), mu.to_numpy(), "min_variance").weights
    ours_ms = solve_mean_variance(cov.to_numpy(), mu.to_numpy(), "max_sharpe").weights
    # PyPortfolioOpt expects annual moments (daily ones stall its solvers); same optimum
    theirs_mv = EfficientFrontier(mu * 252, cov * 252, weight_bounds=(0, 1), solver="CLARABEL")
    theirs_mv.min_volatility()
    theirs_ms = EfficientFrontier(mu * 252, cov * 252, weight_bounds=(0, 1), solver="CLARABEL")
    theirs_ms.max_sharpe(risk_free_rate=0.0)
    np.testing.assert_allclose(ours_mv, pd.Series(theirs_mv.weights, index=cov.index), atol=1e-4)
    np.testing.assert_allclose(ours_ms, pd.Series(theirs_ms.weights, index=cov.index), atol=1e-4)


def test_benchmark_weights_must_sum_to_one() -> None:
    from mi_kernel.errors import DataError

    cov = estimate_covariance(_returns(n=3), "sample")
    with pytest.raises(DataError, match="sum to 2"):
        equilibrium_returns(cov, pd.Series(2 / 3, index=cov.index))
