"""White's Reality Check and Hansen's SPA across a sweep: size, power, robustness to poor rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel import metrics as m
from mi_kernel.errors import ConfigError


def sweep(rng: np.random.Generator, n_obs: int, columns: list[np.ndarray]) -> pd.DataFrame:
    """Stack (n_obs, k_i) blocks of returns into a sweep table on business days."""
    idx = pd.bdate_range("2020-01-01", periods=n_obs, tz="UTC")
    data = np.hstack(columns)
    return pd.DataFrame(data, index=idx, columns=[f"s{i:02d}" for i in range(data.shape[1])])


def noise(seed: int, n_obs: int = 500, n_strategies: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return sweep(rng, n_obs, [rng.normal(0.0, 0.01, (n_obs, n_strategies))])


def test_pure_noise_is_not_significant_though_the_best_looks_it() -> None:
    # 20 sweeps of 20 skill-less strategies (500 days each). The naive one-sided t-test of the
    # best strategy rejects at 5 % in most sweeps (theory: 1 - 0.95^20 = 64 %; observed 13/20)
    # while RC and SPA keep their size (observed 0 rejections; median RC p-value 0.42, and 0.29
    # over the sweeps where the naive test rejects).
    results = [m.reality_check(noise(seed), reps=200, seed=seed) for seed in range(20)]
    naive = np.array([r["naive_pvalue"] for r in results])
    rc = np.array([r["rc_pvalue"] for r in results])
    spa = np.array([r["spa_pvalue"] for r in results])
    assert (naive < 0.05).sum() >= 8
    assert (rc < 0.05).sum() <= 2 and (spa < 0.05).sum() <= 2
    assert np.median(rc) > 0.2
    # where the best strategy "looks significant", the snooping-adjusted p-value does not
    assert np.median(rc[naive < 0.05]) > 0.1
    assert all(r["n_strategies"] == 20 and r["n_obs"] == 500 for r in results)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_real_edge_is_found(seed: int) -> None:
    # one strategy earns 0.1 %/day (annualised Sharpe ~1.6) among 19 noise strategies
    rng = np.random.default_rng(100 + seed)
    x = rng.normal(0.0, 0.01, (1000, 20))
    x[:, 3] += 0.001
    out = m.reality_check(sweep(rng, 1000, [x]), reps=300, seed=seed)
    assert out["rc_pvalue"] < 0.05 and out["spa_pvalue"] < 0.05
    # "best" is by sample mean: a lucky noise column can edge out the true one (seed 2 does)
    assert out["best_strategy"] == f"s{np.argmax(x.mean(axis=0)):02d}"
    assert out["best_mean_excess"] == pytest.approx(x.mean(axis=0).max())


def test_spa_is_not_diluted_by_clearly_poor_strategies() -> None:
    # a good strategy alone, then with 40 clearly poor ones (t-stats ~ -9): Hansen's consistent
    # SPA drops them and is unchanged (observed 0.057); White's RC re-centres them and loses
    # power (observed 0.057 -> 0.93).
    rng = np.random.default_rng(200)
    good = rng.normal(0.0008, 0.01, (1000, 1))
    poor = rng.normal(-0.003, 0.01, (1000, 40))
    alone = m.reality_check(sweep(rng, 1000, [good]), reps=300, block=5)
    crowd = m.reality_check(sweep(rng, 1000, [good, poor]), reps=300, block=5)
    assert crowd["spa_pvalue"] == pytest.approx(alone["spa_pvalue"])
    assert crowd["rc_pvalue"] > alone["rc_pvalue"] + 0.2
    assert crowd["spa_pvalue"] <= crowd["rc_pvalue"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spa_below_rc_with_many_noisy_poor_strategies(seed: int) -> None:
    # 40 poor and 2x as volatile strategies: the raw RC is swamped by their re-centred noise
    # (observed p 0.91 to 0.99) while the studentised SPA is not (observed 0.007 to 0.023)
    rng = np.random.default_rng(300 + seed)
    good = rng.normal(0.0008, 0.01, (1000, 1))
    poor = rng.normal(-0.002, 0.02, (1000, 40))
    out = m.reality_check(sweep(rng, 1000, [good, poor]), reps=300, seed=seed)
    assert out["rc_pvalue"] > 0.5
    assert out["spa_pvalue"] < out["rc_pvalue"] - 0.3
    lower, consistent, upper = (out["spa_pvalues"][k] for k in ("lower", "consistent", "upper"))
    assert lower <= consistent <= upper


def test_benchmark_is_subtracted() -> None:
    rng = np.random.default_rng(4)
    strategies = noise(4, 300, 5)
    bench = pd.Series(rng.normal(0.0003, 0.01, 300), index=strategies.index)
    relative = m.reality_check(strategies, bench, reps=200, block=3)
    excess = m.reality_check(strategies.sub(bench, axis=0), reps=200, block=3)
    assert relative == excess
    # a benchmark with missing days: only the common complete periods are used
    partial = m.reality_check(strategies, bench.iloc[10:], reps=200, block=3)
    assert partial["n_obs"] == 290


def test_long_run_std_matches_hansen_formula() -> None:
    rng = np.random.default_rng(5)
    d = rng.normal(size=(60, 3)).cumsum(axis=0) * 0.1 + rng.normal(size=(60, 3))
    t, q = d.shape[0], 1.0 / 4.0
    x = d - d.mean(axis=0)
    omega2 = (x**2).sum(axis=0) / t
    for i in range(1, t):
        kappa = (1 - i / t) * (1 - q) ** i + (i / t) * (1 - q) ** (t - i)
        omega2 += 2 * kappa * (x[: t - i] * x[i:]).sum(axis=0) / t
    assert m.long_run_std(d, 4.0) == pytest.approx(np.sqrt(omega2))
    # block 1 is the i.i.d. case: the (population) standard deviation
    assert m.long_run_std(d, 1.0) == pytest.approx(d.std(axis=0))


def test_sweep_validation_table() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(0.0, 0.01, (750, 6))
    x[:, 2] += 0.001
    table = m.sweep_validation(sweep(rng, 750, [x]), reps=200)
    assert list(table.columns) == [
        "sharpe",
        "psr",
        "dsr",
        "sharpe_low",
        "sharpe_high",
        "block",
        "n_obs",
    ]
    assert table.index[0] == "s02" and table["sharpe"].is_monotonic_decreasing
    assert (table["sharpe_low"] < table["sharpe"]).all()
    assert (table["sharpe"] < table["sharpe_high"]).all()
    assert (table["dsr"] < table["psr"]).all()  # deflating for 6 trials always costs
    assert table.loc["s02", "sharpe"] == pytest.approx(m.sharpe(x[:, 2], 252))


def test_errors() -> None:
    strategies = noise(0, 100, 3)
    with pytest.raises(ConfigError, match="at least 20"):
        m.reality_check(strategies.iloc[:15])
    with pytest.raises(ConfigError, match="reps"):
        m.reality_check(strategies, reps=10)
    with pytest.raises(ConfigError, match="block"):
        m.reality_check(strategies, block=0)
    with pytest.raises(ConfigError, match="DataFrame"):
        m.reality_check(strategies["s00"])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="duplicate"):
        m.reality_check(strategies.set_axis(["a", "a", "b"], axis=1))
