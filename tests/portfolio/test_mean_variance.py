"""solve_mean_variance: hand-computed 2–3 asset cases per objective and constraint, errors."""

from __future__ import annotations

import numpy as np
import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio import Constraints, InfeasibleError, solve_mean_variance

DIAG2 = np.diag([1e-4, 4e-4])  # σ = 1 %, 2 %, uncorrelated
EQ3 = np.diag([1e-4, 1e-4, 1e-4])


def _w(*args, **kwargs) -> np.ndarray:
    return solve_mean_variance(*args, **kwargs).weights


def test_min_variance_is_inverse_variance_for_uncorrelated_assets() -> None:
    assert _w(DIAG2) == pytest.approx([0.8, 0.2], abs=1e-7)


def test_position_cap_binds() -> None:
    assert _w(DIAG2, constraints=Constraints(max_position=0.7)) == pytest.approx(
        [0.7, 0.3], abs=1e-7
    )


def test_max_sharpe_is_proportional_to_inverse_cov_times_mu() -> None:
    # Σ⁻¹μ = (0.001/1e-4, 0.002/4e-4) = (10, 5) → (2/3, 1/3)
    w = _w(DIAG2, np.array([0.001, 0.002]), "max_sharpe")
    assert w == pytest.approx([2 / 3, 1 / 3], abs=1e-7)


def test_max_sharpe_subtracts_the_risk_free_rate() -> None:
    # excess (0.0005, 0.0015): Σ⁻¹(μ − r) = (5, 3.75) → (4/7, 3/7)
    w = _w(DIAG2, np.array([0.001, 0.002]), "max_sharpe", risk_free_rate=0.0005)
    assert w == pytest.approx([4 / 7, 3 / 7], abs=1e-7)


def test_mean_variance_long_short_is_inverse_cov_times_mu_over_two_lambda() -> None:
    # min λ wᵀΣw − μᵀw unconstrained: w = Σ⁻¹μ / (2λ) = (10, -10) / 20
    cons = Constraints(long_only=False, budget=None, max_gross=10.0, max_position=5.0)
    w = _w(
        np.diag([1e-4, 1e-4]), np.array([0.001, -0.001]), "mean_variance", cons, risk_aversion=10.0
    )
    assert w == pytest.approx([0.5, -0.5], abs=1e-7)


def test_gross_cap_binds_a_long_short_book() -> None:
    cons = Constraints(long_only=False, budget=None, max_gross=0.5, max_position=5.0)
    w = _w(
        np.diag([1e-4, 1e-4]), np.array([0.001, -0.001]), "mean_variance", cons, risk_aversion=10.0
    )
    assert w == pytest.approx([0.25, -0.25], abs=1e-7)


def test_max_sharpe_long_short_is_scaled_out_to_the_binding_limit() -> None:
    # direction Σ⁻¹μ = (10, -5); gross cap 1 binds: (2/3, -1/3); net 1/3 inside [-1, 1]
    cons = Constraints(long_only=False, budget=None, max_gross=1.0, min_net=-1, max_net=1)
    w = _w(DIAG2, np.array([0.001, -0.002]), "max_sharpe", cons)
    assert w == pytest.approx([2 / 3, -1 / 3], abs=1e-7)


def test_target_return_with_two_assets_is_unique() -> None:
    w = _w(DIAG2, np.array([0.001, 0.002]), "target_return", target_return=0.0015)
    assert w == pytest.approx([0.5, 0.5], abs=1e-7)


def test_target_volatility_solves_the_quadratic_by_hand() -> None:
    # max w2 s.t. (1 − w2)² 1e-4 + w2² 4e-4 ≤ 1e-4  →  5 w2² − 2 w2 ≤ 0  →  w2 = 0.4
    w = _w(DIAG2, np.array([0.0, 0.001]), "target_volatility", target_volatility=0.01)
    assert w == pytest.approx([0.6, 0.4], abs=1e-6)


def test_sector_cap_is_on_gross_exposure() -> None:
    cons = Constraints(max_sector=0.5, sectors={"a": "Tech", "b": "Tech", "c": "Energy"})
    w = _w(EQ3, constraints=cons, symbols=["a", "b", "c"])
    assert w == pytest.approx([0.25, 0.25, 0.5], abs=1e-7)


def test_country_cap_by_name() -> None:
    cons = Constraints(country_caps={"US": 0.4}, countries={"a": "US", "b": "UK", "c": "UK"})
    w = _w(EQ3, constraints=cons, symbols=["a", "b", "c"])
    assert w[0] == pytest.approx(1 / 3, abs=1e-7)  # not binding
    cons = Constraints(country_caps={"US": 0.2}, countries={"a": "US", "b": "UK", "c": "UK"})
    assert _w(EQ3, constraints=cons, symbols=["a", "b", "c"]) == pytest.approx(
        [0.2, 0.4, 0.4], abs=1e-7
    )


def test_beta_band_binds() -> None:
    # β'w = 0.5 w1 + 1.5 (1 − w1) ≥ 1.2  →  w1 ≤ 0.3 (min variance wants 0.5)
    cons = Constraints(beta_band=(1.2, 1.3))
    w = _w(np.diag([1e-4, 1e-4]), constraints=cons, betas=np.array([0.5, 1.5]))
    assert w == pytest.approx([0.3, 0.7], abs=1e-7)
    with pytest.raises(ConfigError, match="needs the assets' betas"):
        _w(np.diag([1e-4, 1e-4]), constraints=cons)


def test_turnover_cap_binds() -> None:
    cons = Constraints(max_turnover=0.4)
    w = _w(np.diag([1e-4, 1e-4]), constraints=cons, previous_weights=np.array([1.0, 0.0]))
    assert w == pytest.approx([0.8, 0.2], abs=1e-7)


def test_costs_keep_the_previous_book_when_the_gain_is_smaller() -> None:
    # moving (1, 0) → (0.5, 0.5) saves 0.5e-4 of variance; a cost of 1e-3 per unit on 1.0 of
    # turnover is larger: hold. A cost of 1e-6 is not: trade (almost) all the way.
    prev = np.array([1.0, 0.0])
    held = _w(np.diag([1e-4, 1e-4]), previous_weights=prev, costs=1e-3)
    assert held == pytest.approx([1.0, 0.0], abs=1e-6)
    moved = _w(np.diag([1e-4, 1e-4]), previous_weights=prev, costs=1e-6)
    assert moved[1] > 0.49


def test_restricted_names_get_zero() -> None:
    w = _w(EQ3, constraints=Constraints(restricted=("b",)), symbols=["a", "b", "c"])
    assert w == pytest.approx([0.5, 0.0, 0.5], abs=1e-7)


def test_max_names_keeps_the_largest_and_resolves() -> None:
    cov = np.diag([1e-4, 1.1e-4, 1.2e-4])
    sol = solve_mean_variance(cov, constraints=Constraints(max_names=2))
    assert (sol.weights > 0).sum() == 2 and sol.weights[2] == 0.0
    assert sol.solves == 2 and "max_names 2" in sol.note
    assert sol.weights.sum() == pytest.approx(1.0, abs=1e-8)


def test_infeasible_problem_names_the_constraint() -> None:
    with pytest.raises(InfeasibleError, match=r"'max_position 0.3'.*budget"):
        _w(EQ3, constraints=Constraints(max_position=0.3))
    cons = Constraints(sector_caps={"Tech": 0.1}, sectors={"a": "Tech", "b": "Tech", "c": "Tech"})
    with pytest.raises(InfeasibleError, match=r"sector 'Tech' gross ≤ 0\.1"):
        _w(EQ3, constraints=cons, symbols=["a", "b", "c"])


def test_unreachable_targets_are_named() -> None:
    with pytest.raises(InfeasibleError, match="target return"):
        _w(DIAG2, np.array([0.001, 0.002]), "target_return", target_return=0.01)
    with pytest.raises(InfeasibleError, match="below the lowest volatility"):
        _w(DIAG2, np.array([0.001, 0.002]), "target_volatility", target_volatility=0.001)
    with pytest.raises(InfeasibleError, match="positive expected excess return"):
        _w(DIAG2, np.array([-0.001, -0.002]), "max_sharpe")


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown objective"):
        _w(DIAG2, objective="max_fun")
    with pytest.raises(ConfigError, match="needs expected returns"):
        _w(DIAG2, objective="max_sharpe")
    with pytest.raises(ConfigError, match="finite expected returns"):
        _w(DIAG2, np.array([np.nan, 0.1]), "max_sharpe")
    with pytest.raises(ConfigError, match="needs target_return"):
        _w(DIAG2, np.array([0.1, 0.1]), "target_return")
    with pytest.raises(ConfigError, match="non-negative"):
        _w(DIAG2, costs=-1.0)
