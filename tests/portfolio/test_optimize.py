"""optimize(): skfolio allocations against closed forms on designed return panels."""

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
    return pd.DataFrame(
        common + rng.normal(0, 1, (n, k)) * vols, columns=[f"S{i}" for i in range(k)]
    )


@pytest.mark.parametrize("method", sorted(OPTIMIZERS))
def test_weights_are_long_only_sum_to_one_and_indexed_by_symbol(method: str) -> None:
    rets = _random()
    w = optimize(rets, method)
    assert list(w.index) == list(rets.columns)
    assert w.sum() == pytest.approx(1.0, abs=1e-6)
    assert (w >= -1e-8).all()


def test_equal_is_one_over_n() -> None:
    assert np.allclose(optimize(_random(), "equal"), 1 / 6)


def test_inverse_vol_is_proportional_to_one_over_sigma() -> None:
    w = optimize(_orthogonal((0.01, 0.03)), "inverse_vol")
    assert w["A"] / w["B"] == pytest.approx(3.0)


# the min-variance solution comes from a conic solver: compare it at solver precision
SOLVER_TOL = {"min_variance": 1e-3, "hrp": 1e-9, "inverse_vol": 1e-9}


@pytest.mark.parametrize("method", ["min_variance", "hrp"])
def test_two_uncorrelated_assets_get_inverse_variance_weights(method: str) -> None:
    # min variance and HRP (one-asset clusters) both give w_A = var_B / (var_A + var_B)
    w = optimize(_orthogonal((0.01, 0.02)), method)
    assert w["A"] == pytest.approx(0.8, abs=SOLVER_TOL[method])
    assert w["B"] == pytest.approx(0.2, abs=SOLVER_TOL[method])


@pytest.mark.parametrize("method", ["min_variance", "inverse_vol", "hrp"])
def test_invariant_to_column_order(method: str) -> None:
    rets = _random(seed=3)
    flipped = rets[rets.columns[::-1]]
    pd.testing.assert_series_equal(
        optimize(flipped, method).reindex(rets.columns),
        optimize(rets, method),
        atol=SOLVER_TOL[method],
        rtol=0,
    )


def test_min_variance_has_the_lowest_sample_variance() -> None:
    rets = _random(seed=1)
    cov = rets.cov().to_numpy()
    var = {m: float(optimize(rets, m) @ cov @ optimize(rets, m)) for m in OPTIMIZERS}
    assert var["min_variance"] <= min(var.values()) * (1 + 1e-4)


def test_registry_builds_unfitted_skfolio_estimators() -> None:
    model = make_optimizer("hrp")
    assert not hasattr(model, "weights_")
    assert hasattr(model.fit(_random()), "weights_")


def test_unknown_method_raises_config_error() -> None:
    with pytest.raises(ConfigError, match=r"unknown optimizer 'sharpe'.*hrp"):
        optimize(_random(), "sharpe")


def test_bad_returns_raise_data_error_naming_columns() -> None:
    rets = _random()
    rets.loc[5, "S2"] = np.nan
    with pytest.raises(DataError, match=r"\['S2'\].*fillna"):
        optimize(rets)
    with pytest.raises(DataError, match="at least 2 rows"):
        optimize(_random().iloc[:1])
