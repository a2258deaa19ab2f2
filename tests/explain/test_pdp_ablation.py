"""PDP/ICE of the driving feature is monotone; ablating its group costs the most IC."""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.explain import (
    ablate,
    ablation_plot,
    feature_groups,
    importance_plot,
    partial_dependence,
    pdp_plot,
)
from mi_kernel.models import TrainConfig
from tests.explain.conftest import FEATURES, A


@pytest.mark.parametrize("which", ["ridge", "hgb"])
def test_pdp_of_a_is_increasing(which, data, request) -> None:
    model = request.getfixturevalue(which)
    X = data[0][model.features]
    pdp = partial_dependence(model.estimator, X, A, grid_resolution=15, n_samples=100)
    assert len(pdp.grid) == 15 and pdp.individual.shape == (15, 100)
    np.testing.assert_allclose(pdp.average, pdp.individual.mean(axis=1))
    span = pdp.average.iloc[-1] - pdp.average.iloc[0]
    assert span > 100  # 100 tanh(A) over the 5%-95% range of a standard normal
    assert pdp.is_monotone(tol=0.02 * span)
    flat = partial_dependence(model.estimator, X, "vol_21", grid_resolution=15, n_samples=100)
    assert abs(flat.average.iloc[-1] - flat.average.iloc[0]) < 0.2 * span
    assert isinstance(pdp_plot(pdp, n_ice=10), hv.Overlay)


def test_pdp_grid_ignores_nan_and_checks_feature(data, hgb) -> None:
    X = data[0][hgb.features]
    pdp = partial_dependence(hgb.estimator, X, "beta_63", grid_resolution=5)
    assert np.isfinite(pdp.grid).all() and np.isfinite(pdp.average).all()
    with pytest.raises(ConfigError, match="not a column"):
        partial_dependence(hgb.estimator, X, "nope")


def test_feature_groups() -> None:
    groups = feature_groups([*FEATURES, "size"])
    assert groups == {
        "mom": ["mom_21"],
        "vol": ["vol_21"],
        "mr": ["mr_z_20"],
        "beta": ["beta_63"],
        "ranks": ["vol_21_rank"],
        "other": ["size"],
    }


def test_ablating_a_drops_ic_most(data) -> None:
    result = ablate(*data, "fwd_ret_1d", TrainConfig(estimator="ridge", n_splits=3))
    table = result.table
    assert result.baseline_ic > 0.5
    assert table["group"].iloc[0] == "mom" and table["ic_drop"].iloc[0] > 0.4
    others = table[table["group"] != "mom"]
    assert (others["ic_drop"].abs() < 0.05).all()
    assert set(table["group"]) == {"mom", "vol", "mr", "beta", "ranks"}
    assert isinstance(ablation_plot(result), hv.Bars)
    with pytest.raises(ConfigError, match="does not use"):
        ablate(*data, "fwd_ret_1d", TrainConfig(n_splits=3), groups={"x": ["nope"]})


def test_importance_plot(data, ridge) -> None:
    from mi_kernel.explain import explain_model

    out = explain_model(ridge, data[0].iloc[:100])
    assert isinstance(importance_plot(out.global_importance), hv.Bars)
