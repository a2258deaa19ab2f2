"""VaR / ES: hand-computed cases, skfolio equality, parametric oracles, Monte Carlo convergence."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.stats import kurtosis, norm, skew
from skfolio.measures import cvar
from skfolio.measures import value_at_risk as sk_var

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk import (
    MonteCarloSpec,
    ex_ante,
    expected_shortfall,
    value_at_risk,
    var_es,
    var_table,
)


def _panel(seed: int = 0, n: int = 500, k: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(0.0, 0.008, (n, 1))
    data = 0.0004 + common + rng.normal(0.0, 0.012, (n, k))
    return pd.DataFrame(data, columns=[f"S{i}" for i in range(k)])


def _book() -> pd.Series:
    return pd.Series({"S0": 0.5, "S1": -0.2, "S2": 0.4})


def _normal_oracle(x: np.ndarray, level: float, h: int) -> tuple[float, float]:
    mu, sd = h * x.mean(), math.sqrt(h) * x.std(ddof=1)
    z = norm.ppf(level)
    return -(mu + norm.ppf(1 - level) * sd), -mu + sd * norm.pdf(z) / (1 - level)


# ---------------------------------------------------------------- historical


def test_historical_hand_computed_two_asset_book() -> None:
    # book losses 0.001 .. 0.100 (shuffled), built from two legs that cancel the noise d:
    # 0.5 (-L + d) + 0.5 (-L - d) = -L. At 95 % of 100 periods the VaR is the 6th largest
    # loss (0.095) and the ES the mean of the 5 largest (0.098).
    rng = np.random.default_rng(1)
    losses = rng.permutation(np.arange(1, 101) / 1000)
    d = rng.normal(0, 0.05, 100)
    rets = pd.DataFrame({"A": -losses + d, "B": -losses - d})
    var, es = var_es(rets, pd.Series({"A": 0.5, "B": 0.5}), level=0.95)
    assert var == pytest.approx(0.095)
    assert es == pytest.approx(0.098)


def test_historical_ten_percent_case_over_two_periods() -> None:
    # h = 2 compounded overlapping windows of [0.1, -0.1, 0.2, -0.5, 0.0]:
    # 1.1*0.9-1 = -0.01, 0.9*1.2-1 = 0.08, 1.2*0.5-1 = -0.4, 0.5*1.0-1 = -0.5.
    # level 0.75 on 4 windows: k = 1, VaR = 2nd largest loss 0.4, ES = largest loss 0.5.
    # Rows needed: ceil(1 / 0.25) + 2 - 1 = 5, exactly what is given.
    r = pd.Series([0.1, -0.1, 0.2, -0.5, 0.0])
    var, es = var_es(r, level=0.75, horizon=2)
    assert (var, es) == (pytest.approx(0.4), pytest.approx(0.5))
    with pytest.raises(DataError, match="needs at least 6"):
        var_es(r, level=0.75, horizon=3)


@pytest.mark.parametrize("level", [0.9, 0.95, 0.975, 0.99])
def test_historical_equals_skfolio_and_ex_ante(level: float) -> None:
    rets, w = _panel(3), _book()
    book = rets[w.index].to_numpy() @ w.to_numpy()
    var, es = var_es(rets, w, level=level)
    assert var == pytest.approx(sk_var(book, beta=level), abs=1e-15)
    assert es == pytest.approx(cvar(book, beta=level), abs=1e-15)
    rep = ex_ante(w, rets, level=level)
    assert (var, es) == (pytest.approx(rep.var), pytest.approx(rep.cvar))


# ---------------------------------------------------------------- parametric


def test_normal_hand_computed() -> None:
    # mean 0, sd (ddof=1) = sqrt((1 + 1 + 9 + 9) / 3) * 0.01 = 0.02581989
    # VaR95 = 1.6448536 * 0.02581989 = 0.04246994; ES95 = 0.02581989 * phi(1.6448536) / 0.05
    #       = 0.02581989 * 0.10313564 / 0.05 = 0.05325902
    r = pd.Series([0.01, -0.01, 0.03, -0.03])
    var, es = var_es(r, method="normal", level=0.95)
    assert var == pytest.approx(0.04246994, rel=1e-6)
    assert es == pytest.approx(0.05325902, rel=1e-6)
    # 10 periods: sd * sqrt(10), mean * 10 (= 0)
    assert value_at_risk(r, method="normal", horizon=10) == pytest.approx(
        0.04246994 * math.sqrt(10), rel=1e-6
    )


@pytest.mark.parametrize(("level", "h"), [(0.95, 1), (0.99, 1), (0.95, 10), (0.99, 10)])
def test_normal_is_minus_mu_plus_z_sigma_of_the_book(level: float, h: int) -> None:
    rets, w = _panel(4), _book()
    book = rets[w.index].to_numpy() @ w.to_numpy()
    assert var_es(rets, w, method="normal", level=level, horizon=h) == pytest.approx(
        _normal_oracle(book, level, h), rel=1e-12
    )


def _kurtosis_three_sample() -> np.ndarray:
    # symmetric (skew 0): 9 x (+-1) and 1 x (+-c) per side with p = 0.1 of the mass at +-c;
    # m4 / m2^2 = 3 <=> (3p^2 - p) c^4 + 6 p q c^2 + 3 q^2 - q = 0 (q = 1 - p)
    p, q = 0.1, 0.9
    a, b, c0 = 3 * p**2 - p, 6 * p * q, 3 * q**2 - q
    c = math.sqrt((-b - math.sqrt(b**2 - 4 * a * c0)) / (2 * a))
    base = np.array([1.0] * 9 + [c])
    return 0.0005 + 0.01 * np.concatenate([base, -base])


def test_cornish_fisher_reduces_to_normal_without_skew_and_excess_kurtosis() -> None:
    x = _kurtosis_three_sample()
    assert abs(skew(x)) < 1e-12 and abs(kurtosis(x)) < 1e-12
    r = pd.Series(np.tile(x, 5))  # 100 rows
    for level in (0.95, 0.99):
        for h in (1, 10):
            cf = var_es(r, method="cornish_fisher", level=level, horizon=h)
            assert cf == pytest.approx(var_es(r, method="normal", level=level, horizon=h))


def test_cornish_fisher_matches_its_formula_and_the_integrated_tail() -> None:
    rng = np.random.default_rng(5)
    x = 0.01 * (rng.standard_normal(2000) - rng.exponential(1.0, 2000))  # left-skewed
    mu, sd, s, k = x.mean(), x.std(ddof=1), skew(x), kurtosis(x)
    assert s < -0.5 and k > 0.5
    a = 0.01

    def q(u: float) -> float:
        z = norm.ppf(u)
        return z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36

    var, es = var_es(pd.Series(x), method="cornish_fisher", level=0.99)
    assert var == pytest.approx(-(mu + sd * q(a)), rel=1e-12)
    tail, _ = quad(q, 0.0, a, limit=200)
    assert es == pytest.approx(-(mu + sd * tail / a), rel=1e-7)
    # a fat left tail makes the modified figures exceed the normal ones
    nvar, nes = var_es(pd.Series(x), method="normal", level=0.99)
    assert var > nvar and es > nes


# ---------------------------------------------------------------- Monte Carlo


@pytest.mark.parametrize(("level", "h"), [(0.95, 1), (0.99, 1), (0.99, 10)])
def test_monte_carlo_converges_to_the_normal_figures(level: float, h: int) -> None:
    rets, w = _panel(6), _book()
    spec = MonteCarloSpec(n_paths=200_000, aggregation="sum")  # sum: exactly N(h mu, h S)
    mc = var_es(
        rets, w, method="monte_carlo", level=level, horizon=h, monte_carlo=spec, random_state=11
    )
    normal = var_es(rets, w, method="normal", level=level, horizon=h)
    assert mc == pytest.approx(normal, rel=0.02)  # MC s.e. is about 0.4 % here


def test_monte_carlo_compounds_daily_draws_close_to_the_normal_ten_day_figure() -> None:
    rets, w = _panel(6), _book()
    spec = MonteCarloSpec(n_paths=50_000, chunk_bytes=24 * 20_000)  # 3 chunks, one partial
    mc = value_at_risk(rets, w, method="monte_carlo", horizon=10, monte_carlo=spec, random_state=3)
    assert mc == pytest.approx(value_at_risk(rets, w, method="normal", horizon=10), rel=0.04)


def test_monte_carlo_is_reproducible_per_seed() -> None:
    rets, w = _panel(7), _book()
    spec = MonteCarloSpec(n_paths=20_000)
    one = var_es(rets, w, method="monte_carlo", random_state=42, monte_carlo=spec)
    assert one == var_es(rets, w, method="monte_carlo", random_state=42, monte_carlo=spec)
    assert one != var_es(rets, w, method="monte_carlo", random_state=43, monte_carlo=spec)


@pytest.mark.parametrize("distribution", ["normal", "student_t", "bootstrap"])
def test_monte_carlo_figures_do_not_depend_on_threads_or_chunk_order(distribution: str) -> None:
    rets, w = _panel(7), _book()
    one = MonteCarloSpec(n_paths=30_000, chunk_bytes=24 * 4_000, distribution=distribution)
    two = MonteCarloSpec(
        n_paths=30_000, chunk_bytes=24 * 4_000, distribution=distribution, n_jobs=2
    )  # 8 chunks of 4,000 paths (the last 2,000) over 2 threads
    kw = {"method": "monte_carlo", "level": 0.99, "horizon": 2, "random_state": 9}
    assert var_es(rets, w, monte_carlo=one, **kw) == var_es(rets, w, monte_carlo=two, **kw)


def test_monte_carlo_singular_covariance_uses_the_eigen_factor() -> None:
    rets = _panel(8, n=6, k=10)  # 6 periods, 10 assets: covariance of rank 5
    cov = rets.cov().to_numpy()
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(cov)
    w = pd.Series(np.linspace(-0.2, 0.3, 10), index=rets.columns)
    spec = MonteCarloSpec(n_paths=200_000, aggregation="sum")
    mc = var_es(rets, w, method="monte_carlo", level=0.95, random_state=1, monte_carlo=spec)
    assert mc == pytest.approx(var_es(rets, w, method="normal", level=0.95), rel=0.02)


def test_monte_carlo_student_t_has_fatter_tails_and_bootstrap_follows_history() -> None:
    rets, w = _panel(9), _book()
    t_spec = MonteCarloSpec(n_paths=100_000, distribution="student_t", dof=5.0)
    t_var = value_at_risk(
        rets, w, method="monte_carlo", level=0.99, random_state=2, monte_carlo=t_spec
    )
    # unit-variance t(5) quantile 3.365 * sqrt(3/5) = 2.606 vs 2.326 for the normal
    assert t_var > 1.05 * value_at_risk(rets, w, method="normal", level=0.99)
    boot = MonteCarloSpec(n_paths=100_000, distribution="bootstrap")
    b_var = value_at_risk(rets, w, method="monte_carlo", random_state=2, monte_carlo=boot)
    losses = np.sort(-(rets[w.index].to_numpy() @ w.to_numpy()))[::-1]
    assert losses[26] <= b_var <= losses[23]  # historical VaR95 is losses[25] (26th largest)


# ---------------------------------------------------------------- table and properties


def test_table_orders_es_above_var_and_ten_days_above_one() -> None:
    rets, w = _panel(10), _book()
    spec = MonteCarloSpec(n_paths=20_000)
    table = var_table(rets, w, random_state=0, monte_carlo=spec)
    assert list(table.columns) == ["method", "horizon", "level", "var", "es"]
    assert len(table) == 4 * 2 * 2
    assert (table["es"] >= table["var"]).all()
    wide = table.pivot_table(index=["method", "level"], columns="horizon", values="var")
    assert (wide[10] > wide[1]).all()
    by_level = table.pivot_table(index=["method", "horizon"], columns="level", values="var")
    assert (by_level[0.99] > by_level[0.95]).all()
    row = table.query("method == 'monte_carlo' and horizon == 10 and level == 0.99")
    single = var_es(
        rets, w, method="monte_carlo", level=0.99, horizon=10, random_state=0, monte_carlo=spec
    )
    assert (row["var"].item(), row["es"].item()) == single


def test_empty_book_has_no_risk() -> None:
    table = var_table(_panel(), pd.Series({"S0": 0.0}), monte_carlo=MonteCarloSpec(n_paths=10))
    assert (table[["var", "es"]] == 0.0).all().all()


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1, 1).filter(lambda x: abs(x) > 1e-3), min_size=3, max_size=3),
    st.integers(0, 10_000),
    st.floats(0.1, 10),
    st.sampled_from(["historical", "normal", "cornish_fisher"]),
)
def test_asset_order_invariance_and_positive_homogeneity(w, seed, c, method) -> None:
    rets = _panel(seed, n=200)
    weights = pd.Series(w, index=rets.columns)
    base = var_es(rets, weights, method=method, level=0.99)
    perm = list(reversed(rets.columns))
    assert var_es(rets[perm], weights[perm], method=method, level=0.99) == pytest.approx(base)
    scaled = var_es(rets, weights * c, method=method, level=0.99)
    assert scaled == pytest.approx((c * base[0], c * base[1]), abs=1e-12)


# ---------------------------------------------------------------- errors


def test_nan_returns_name_the_columns_and_the_fix() -> None:
    rets = _panel()
    rets.iloc[3, 1] = np.nan
    rets.iloc[5, 2] = np.inf
    with pytest.raises(DataError, match=r"\['S1', 'S2'\].*fillna.*dropna"):
        value_at_risk(rets, _book())
    value_at_risk(rets, pd.Series({"S0": 1.0}))  # unheld columns may have gaps


def test_bad_arguments_are_named() -> None:
    rets, w = _panel(), _book()
    # 99 % needs ceil(1 / 0.01) = 100 periods: a tail of one beyond the VaR
    with pytest.raises(DataError, match="needs at least 100"):
        value_at_risk(rets.iloc[:99], w, level=0.99)
    value_at_risk(rets.iloc[:100], w, level=0.99)
    with pytest.raises(DataError, match="needs at least 4"):
        value_at_risk(rets.iloc[:3], w, method="cornish_fisher")
    with pytest.raises(ConfigError, match="level"):
        value_at_risk(rets, w, level=95)
    with pytest.raises(ConfigError, match="'historical', 'normal', 'cornish_fisher'"):
        value_at_risk(rets, w, method="garch")
    with pytest.raises(ConfigError, match="horizon"):
        value_at_risk(rets, w, horizon=0)
    with pytest.raises(DataError, match=r"\['ZZZ'\]"):
        value_at_risk(rets, pd.Series({"S0": 0.5, "ZZZ": 0.5}))
    with pytest.raises(ConfigError, match="weights"):
        value_at_risk(rets)
    with pytest.raises(ConfigError, match="weights"):
        value_at_risk(rets["S0"], w)
    with pytest.raises(DataError, match="sort_index"):
        value_at_risk(rets.iloc[::-1], w)
    assert expected_shortfall(rets, w) >= value_at_risk(rets, w)


def test_monte_carlo_spec_validation() -> None:
    with pytest.raises(ConfigError, match="'normal', 'student_t', 'bootstrap'"):
        MonteCarloSpec(distribution="cauchy")
    with pytest.raises(ConfigError, match="dof"):
        MonteCarloSpec(dof=2.0)
    with pytest.raises(ConfigError, match="n_paths"):
        MonteCarloSpec(n_paths=0)
    with pytest.raises(ConfigError, match="aggregation"):
        MonteCarloSpec(aggregation="mean")
    with pytest.raises(ConfigError, match="n_jobs"):
        MonteCarloSpec(n_jobs=0)
    with pytest.raises(AttributeError):
        MonteCarloSpec().n_paths = 5  # type: ignore[misc]


def test_monte_carlo_on_a_local_dask_cluster_matches_the_serial_figures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunks shared out among the workers of a real LocalCluster (processes on 127.0.0.1):
    the same figures as one thread, and both workers drew paths."""
    from distributed import get_task_stream

    from mi_kernel.cluster import on_dask

    for name in ("MI_DASK_SCHEDULER", "MI_DASK_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    rets, w = _panel(7), _book()
    spec = MonteCarloSpec(n_paths=30_000, chunk_bytes=24 * 4_000, distribution="student_t")
    kw = {"method": "monte_carlo", "level": 0.99, "horizon": 2, "random_state": 9}
    serial = var_es(rets, w, monte_carlo=spec, **kw)
    with on_dask(processes=True) as client, get_task_stream(client) as stream:
        on_cluster = var_es(rets, w, monte_carlo=spec, **kw)  # n_jobs=None: every worker
    assert on_cluster == serial
    assert len({task["worker"] for task in stream.data}) == 2
