"""HierarchicalIC: shrinkage toward a shared IC, honest intervals for noise, weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.ensemble import AverageBlender, HierarchicalIC, ic_table
from mi_kernel.errors import ConfigError, DataError

TRUE_IC, N_GROUPS, N_DAYS, DAILY_SD = 0.05, 8, 30, 0.15


def _table(seed: int = 0) -> pd.DataFrame:
    """Daily ICs: 'shared' has IC 0.05 in every group, 'noise' has IC 0 everywhere."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2024-01-01", periods=N_DAYS, tz="UTC")
    rows = [
        pd.DataFrame(
            {
                "signal": signal,
                "group": f"sector{g}",
                "date": dates,
                "ic": rng.normal(true, DAILY_SD, N_DAYS),
            }
        )
        for signal, true in (("shared", TRUE_IC), ("noise", 0.0))
        for g in range(N_GROUPS)
    ]
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def fitted() -> HierarchicalIC:
    return HierarchicalIC(random_state=0).fit(_table())


def test_groups_shrink_toward_the_shared_ic(fitted) -> None:
    post = fitted.posterior_[fitted.posterior_["signal"] == "shared"]
    assert len(post) == N_GROUPS and (post["n_days"] == N_DAYS).all()
    raw_err = (post["raw_mean"] - TRUE_IC).abs().mean()
    post_err = (post["mean"] - TRUE_IC).abs().mean()
    assert post_err < 0.6 * raw_err  # pooled estimates are closer to the truth ...
    assert post["mean"].std() < 0.5 * post["raw_mean"].std()  # ... and to each other
    grand = post["raw_mean"].mean()
    assert ((post["mean"] - grand).abs() <= (post["raw_mean"] - grand).abs() + 1e-9).all()
    shared = fitted.signal_posterior_.loc["shared"]
    assert shared["lower"] > 0 and not shared["covers_zero"]
    assert shared["lower"] < TRUE_IC < shared["upper"]


def test_noise_interval_covers_zero(fitted) -> None:
    noise = fitted.signal_posterior_.loc["noise"]
    assert noise["covers_zero"] and noise["lower"] < 0 < noise["upper"]
    cells = fitted.posterior_[fitted.posterior_["signal"] == "noise"]
    assert cells["covers_zero"].all()
    assert (cells["upper"] - cells["lower"]).between(0, 0.2).all()
    assert fitted.divergences_ < 30  # of 600 draws


def test_weights_follow_the_rule(fitted) -> None:
    w = fitted.weights()
    assert w.to_dict() == {"noise": 0.0, "shared": 1.0}
    assert fitted.weights("sector3").to_dict() == {"noise": 0.0, "shared": 1.0}
    with pytest.raises(ConfigError, match="'mars'"):
        fitted.weights("mars")
    X = np.array([[0.1, 2.0], [0.3, -1.0]])  # columns in the weights' (sorted) order
    blend = AverageBlender(w.to_numpy()).fit(X, np.zeros(2))
    np.testing.assert_allclose(blend.predict(X), X[:, 1])


def test_advi_with_overlapping_labels(fitted) -> None:
    advi = HierarchicalIC(method="advi", advi_iterations=3000, label_horizon=5).fit(_table())
    np.testing.assert_allclose(advi.posterior_["raw_se"], fitted.posterior_["raw_se"] * 5**0.5)
    shared = advi.signal_posterior_.loc["shared"]
    assert shared["mean"] == pytest.approx(TRUE_IC, abs=0.03)
    width = shared["upper"] - shared["lower"]
    nuts = fitted.signal_posterior_.loc["shared"]
    assert width > 1.3 * (nuts["upper"] - nuts["lower"])  # 5x fewer effective days
    assert advi.weights()["noise"] == 0.0


def test_ic_table_from_predictions(preds) -> None:
    frame = preds.assign(group=np.where(preds["symbol"] < "S20", "tech", "energy"))
    table = ic_table(frame, models=["good", "noise"])
    assert list(table.columns) == ["signal", "group", "date", "ic"]
    assert len(table) == 2 * 2 * frame["ts"].nunique()
    mean = table.groupby("signal")["ic"].mean()
    assert mean["good"] > 0.2 and abs(mean["noise"]) < 0.05


def test_errors() -> None:
    with pytest.raises(DataError, match="signal"):
        HierarchicalIC().fit(pd.DataFrame({"ic": [0.1]}))
    one_day = _table().groupby(["signal", "group"]).head(1)
    with pytest.raises(DataError, match="two distinct daily ICs"):
        HierarchicalIC().fit(one_day[one_day["signal"] == "shared"].head(1))
    with pytest.raises(ConfigError, match="credible"):
        HierarchicalIC(credible=1.5).fit(_table())
