"""The optimizer registry: every method builds an estimator whose weights obey the basics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.portfolio import OPTIMIZERS, make_optimizer, optimize


def _orthogonal(scales: tuple[float, float]) -> pd.DataFrame:
    """Two return columns with zero sample mean and exactly zero sample covariance."""
    a = np.tile([1.0, -1.0, 1.0, -1.0], 30)
    b = np.tile([1.0, 1.0, -1.0, -1.0], 30)
    return pd.DataFrame({"A": scales[0] * a, "B": scales[1] * b})


def _random(seed: int = 0, n: int = 250, k: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    vols = np.linspace(0.005, 0.03, k)
    common = rng.normal(0, 0.01, (n, 1))
    drift = np.linspace(0.0002, 0.001, k)
    return pd.DataFrame(
        drift + common + rng.normal(0, 1, (n, k)) * vols, columns=[f"S{i}" for i in range(k)]
    )


#: parameters the target objectives need (reachable on _random)
PARAMS = {
    "target_return": {"target_return": 0.0004},
    "target_volatility": {"target_volatility": 0.015},
}


@pytest.mark.parametrize("method", sorted(OPTIMIZERS))
def test_weights_are_long_only_sum_to_one_and_indexed_by_symbol(method: str) -> None:
    rets = _random()
    w = optimize(rets, method, **PARAMS.get(method, {}))
    assert list(w.index) == list(rets.columns)
    assert w.sum() == pytest.approx(1.0, abs=1e-6)
    assert (w >= -1e-8).all()


def test_equal_is_one_over_n() -> None:
    assert np.allclose(optimize(_random(), "equal"), 1 / 6)


def test_inverse_vol_is_proportional_to_one_over_sigma() -> None:
    w = optimize(_orthogonal((0.01, 0.03)), "inverse_vol")
    assert w["A"] / w["B"] == pytest.approx(3.0)


#: solver precision: our QP solves to 1e-10 gaps; skfolio's risk budgeting (a log-barrier
#: problem through cvxpy) leaves ~1e-5 in the weights whatever the tolerances
TOL = {
    "min_variance": 1e-6,
    "max_sharpe": 1e-6,
    "inverse_vol": 1e-9,
    "hrp": 1e-9,
    "risk_parity": 1e-4,
}


@pytest.mark.parametrize("method", ["min_variance", "hrp", "risk_parity"])
def test_two_uncorrelated_assets(method: str) -> None:
    # min variance: w_A = var_B / (var_A + var_B); HRP (one-asset clusters) too;
    # risk parity: w ∝ 1/σ
    w = optimize(_orthogonal((0.01, 0.02)), method, covariance="sample")
    expected = {"min_variance": 0.8, "hrp": 0.8, "risk_parity": 2 / 3}[method]
    assert w["A"] == pytest.approx(expected, abs=TOL[method])
    assert w["B"] == pytest.approx(1 - expected, abs=TOL[method])


@pytest.mark.parametrize(
    "method", ["min_variance", "max_sharpe", "inverse_vol", "hrp", "risk_parity"]
)
def test_invariant_to_column_order(method: str) -> None:
    rets = _random(seed=3)
    flipped = rets[rets.columns[::-1]]
    pd.testing.assert_series_equal(
        optimize(flipped, method).reindex(rets.columns),
        optimize(rets, method),
        atol=TOL[method],
        rtol=0,
    )


def test_min_variance_has_the_lowest_variance_of_all_methods() -> None:
    rets = _random(seed=1)
    cov = rets.cov().to_numpy()
    books = {m: optimize(rets, m, covariance="sample", **PARAMS.get(m, {})) for m in OPTIMIZERS}
    var = {m: float(w @ cov @ w) for m, w in books.items()}
    assert var["min_variance"] <= min(var.values()) * (1 + 1e-6)


def test_max_sharpe_has_the_highest_sharpe_of_all_methods() -> None:
    rets = _random(seed=2)
    cov, mu = rets.cov().to_numpy(), rets.mean().to_numpy()
    books = {m: optimize(rets, m, covariance="sample", **PARAMS.get(m, {})) for m in OPTIMIZERS}
    sharpe = {m: float(w @ mu / np.sqrt(w @ cov @ w)) for m, w in books.items()}
    assert sharpe["max_sharpe"] >= max(sharpe.values()) * (1 - 1e-6)


def test_registry_builds_unfitted_estimators() -> None:
    model = make_optimizer("hrp")
    assert not hasattr(model, "weights_")
    with pytest.raises(ConfigError, match="unknown optimizer 'nope'"):
        make_optimizer("nope")
    with pytest.raises(ConfigError, match="does not take"):
        make_optimizer("hrp", bogus=1)


def test_bad_returns_raise_data_error_naming_columns() -> None:
    rets = _random()
    rets.iloc[3, 2] = np.nan
    with pytest.raises(DataError, match=r"S2.*NaN"):
        optimize(rets)
    with pytest.raises(DataError, match="at least 2 are needed"):
        optimize(_random().iloc[:1])
    with pytest.raises(DataError, match="wide DataFrame"):
        optimize(pd.DataFrame())


def test_singular_sample_covariance_is_refused_with_the_fix() -> None:
    rets = _random(n=4, k=6)  # 4 periods, 6 assets: the sample covariance is singular
    with pytest.raises(DataError, match=r"not positive definite.*ledoit_wolf"):
        optimize(rets, "min_variance", covariance="sample")
    assert optimize(rets, "min_variance", covariance="ledoit_wolf").sum() == pytest.approx(1.0)
