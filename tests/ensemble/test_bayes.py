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


# -- quadrature (the default) against pymc's NUTS, the old default ------------------------------
# Stated tolerance, in posterior sds of each quantity: against a long NUTS run (4 x 2,500
# draws) means within 0.05 sd, interval bounds within 0.12 sd, sds and the spread within 5 %;
# against NUTS at its old default (2 x 300 draws) within that run's Monte-Carlo error: means
# within 0.15 sd, bounds within 0.35 sd. Weights identical.
def _gaps(fit: HierarchicalIC, ref: HierarchicalIC) -> dict[str, float]:
    gaps = {}
    for col in ("mean", "lower", "upper"):
        for attr in ("posterior_", "signal_posterior_"):
            a, b = getattr(fit, attr), getattr(ref, attr)
            gaps[f"{attr}{col}"] = float(((a[col] - b[col]) / b["sd"]).abs().max())
    return gaps


@pytest.fixture(scope="module")
def long_nuts() -> HierarchicalIC:
    return HierarchicalIC(method="nuts", draws=2500, tune=1000, chains=4).fit(_table())


def test_quadrature_matches_a_long_nuts_run(fitted, long_nuts) -> None:
    assert fitted.method == "quadrature" and fitted.divergences_ == 0
    gaps = _gaps(fitted, long_nuts)
    assert max(v for k, v in gaps.items() if k.endswith("mean")) < 0.05, gaps
    assert max(v for k, v in gaps.items() if not k.endswith("mean")) < 0.12, gaps
    for attr in ("posterior_", "signal_posterior_"):
        ratio = getattr(fitted, attr)["sd"] / getattr(long_nuts, attr)["sd"]
        assert ratio.between(0.95, 1.05).all(), ratio
    np.testing.assert_allclose(
        fitted.signal_posterior_["spread"], long_nuts.signal_posterior_["spread"], rtol=0.05
    )
    pd.testing.assert_series_equal(fitted.weights(), long_nuts.weights(), atol=0.0)


def test_quadrature_within_the_old_defaults_monte_carlo_error(fitted) -> None:
    old = HierarchicalIC(method="nuts").fit(_table())  # draws=300, tune=300, chains=2
    gaps = _gaps(fitted, old)
    assert max(v for k, v in gaps.items() if k.endswith("mean")) < 0.15, gaps
    assert max(v for k, v in gaps.items() if not k.endswith("mean")) < 0.35, gaps
    for col in ("signal", "group", "n_days", "raw_mean", "raw_se", "covers_zero"):
        pd.testing.assert_series_equal(fitted.posterior_[col], old.posterior_[col])
    pd.testing.assert_series_equal(fitted.weights(), old.weights(), atol=0.0)


def test_quadrature_marginal_of_tau_is_the_gaussian_evidence() -> None:
    """log p(tau | y) differences = log N(y; 0, diag(se^2 + tau^2) + s^2 11') + log prior."""
    from scipy.stats import multivariate_normal

    from mi_kernel.ensemble.quadrature import _log_marginal

    y, se, scale = np.array([0.03, -0.01, 0.06]), np.array([0.02, 0.01, 0.04]), 0.1
    taus = np.array([0.0, 0.02, 0.15])

    def direct(tau: float) -> float:
        cov = np.diag(se**2 + tau**2) + scale**2
        return multivariate_normal(np.zeros(3), cov).logpdf(y) - 0.5 * (tau / (scale / 2)) ** 2

    got = _log_marginal(taus, y, se, scale)
    want = np.array([direct(t) for t in taus])
    np.testing.assert_allclose(got - got[0], want - want[0], rtol=1e-12, atol=1e-12)


def test_quadrature_matches_a_brute_force_grid_over_mu_and_tau() -> None:
    """Posterior means and mu's sd by summing the joint density over a 2-D grid, by hand."""
    from scipy.stats import halfnorm, norm

    y, se, scale = np.array([0.03, -0.01, 0.06]), np.array([0.02, 0.01, 0.04]), 0.1
    table = pd.DataFrame(
        {
            "signal": "s",
            "group": np.repeat(["a", "b", "c"], 2),
            "date": pd.Timestamp("2024-01-01", tz="UTC"),
            "ic": np.column_stack([y - se, y + se]).ravel(),
        }
    )  # two days per group: mean y, sample sd se * sqrt(2), so the mean's standard error is se
    fit = HierarchicalIC(prior_scale=scale).fit(table)
    np.testing.assert_allclose(fit.posterior_["raw_se"], se, rtol=1e-12)
    mu, tau = np.meshgrid(np.linspace(-0.4, 0.4, 1601), np.linspace(0, 0.4, 1601), indexing="ij")
    logp = norm.logpdf(mu, 0, scale) + halfnorm.logpdf(tau, scale=scale / 2)
    for yg, sg in zip(y, se, strict=True):
        logp = logp + norm.logpdf(yg, mu, np.sqrt(sg**2 + tau**2))
    p = np.exp(logp - logp.max())
    p[:, 0] /= 2  # trapezoid rule at tau = 0, where the density is not negligible
    p /= p.sum()
    shrink = se[:, None, None] ** 2 / (se[:, None, None] ** 2 + tau**2)
    theta = ((shrink * mu + (1 - shrink) * y[:, None, None]) * p).sum(axis=(1, 2))
    mu_mean = (mu * p).sum()
    post = fit.signal_posterior_.loc["s"]
    np.testing.assert_allclose(fit.posterior_["mean"], theta, rtol=1e-4, atol=1e-7)
    assert post["mean"] == pytest.approx(mu_mean, rel=1e-4, abs=1e-7)
    assert post["sd"] == pytest.approx(np.sqrt(((mu - mu_mean) ** 2 * p).sum()), rel=1e-4)
    assert post["spread"] == pytest.approx((tau * p).sum(), rel=1e-4)
