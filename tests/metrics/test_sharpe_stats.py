"""PSR and DSR (Bailey & López de Prado 2012, 2014): the paper's example and cross-checks."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mi_kernel import metrics as m
from mi_kernel.errors import ConfigError


def test_dsr_paper_numerical_example() -> None:
    """Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", numerical example.

    N = 100 trials, variance of the trials' annualised SR = 1/2, selected annualised SR = 2.5
    over T = 1250 daily observations (250 a year), skewness -3, kurtosis 10. The paper reports
    SR0 ~ 0.1132 (non-annualised expected maximum) and DSR ~ 0.9004. Numbers recalled from the
    paper and re-derived by hand: z = (1-g) Phi^-1(0.99) + g Phi^-1(1 - 1/(100 e))
    = 0.4228 x 2.3263 + 0.5772 x 2.6822 = 2.5318; SR0 = sqrt(0.5/250) x 2.5318 = 0.11322;
    SR = 2.5 / sqrt(250) = 0.15811; denominator sqrt(1 + 3 x 0.15811 + 9/4 x 0.15811^2)
    = 1.2372; statistic (0.15811 - 0.11322) x sqrt(1249) / 1.2372 = 1.2825; Phi = 0.9004.
    """
    sr0 = m.expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=1e-4)
    dsr = m.dsr_from_stats(2.5 / np.sqrt(250), 1250, -3.0, 10.0, 100, 0.5 / 250)
    assert dsr == pytest.approx(0.9004, abs=1e-4)


def test_psr_hand_values() -> None:
    # SR equal to the benchmark: probability one half
    assert m.psr_from_stats(0.1, 100, 0.0, 3.0, sr_benchmark=0.1) == pytest.approx(0.5)
    # normal returns: z = 0.1 x sqrt(99) / sqrt(1 + 0.5 x 0.01)
    z = 0.1 * np.sqrt(99) / np.sqrt(1.005)
    assert m.psr_from_stats(0.1, 100, 0.0, 3.0) == pytest.approx(stats.norm.cdf(z))
    # negative skew and fat tails widen the band, lowering the PSR
    assert m.psr_from_stats(0.1, 100, -2.0, 9.0) < m.psr_from_stats(0.1, 100, 0.0, 3.0)


def test_expected_max_sharpe_matches_monte_carlo() -> None:
    # The Euler-Mascheroni formula is an asymptotic approximation: ~2.4 % high for N = 10,
    # ~1 % for N = 100 (exact E[max] of 10 / 100 standard normals: 1.5388 / 2.5076).
    rng = np.random.default_rng(7)
    for n, tol in ((10, 0.035), (100, 0.015)):
        simulated = rng.standard_normal((20_000, n)).max(axis=1).mean()
        assert m.expected_max_sharpe(n, 1.0) == pytest.approx(simulated, rel=tol)
    assert m.expected_max_sharpe(100, 0.25, sr_mean=0.1) == pytest.approx(
        0.1 + 0.5 * m.expected_max_sharpe(100, 1.0)
    )
    assert m.expected_max_sharpe(1, 4.0) == 0.0
    with pytest.raises(ConfigError):
        m.expected_max_sharpe(0, 1.0)


@pytest.fixture
def daily() -> pd.Series:
    rng = np.random.default_rng(11)
    idx = pd.bdate_range("2018-01-01", periods=1000, tz="UTC")
    return pd.Series(rng.standard_t(5, 1000) * 0.01 + 0.0008, index=idx)


def test_return_based_psr_and_dsr_match_independent_moments(daily: pd.Series) -> None:
    r = daily.to_numpy()
    sr = r.mean() / r.std(ddof=1)
    g3, g4 = stats.skew(r), stats.kurtosis(r, fisher=False)
    assert m.probabilistic_sharpe_ratio(daily) == pytest.approx(
        m.psr_from_stats(sr, r.size, g3, g4)
    )
    bench_annual = 0.5
    assert m.probabilistic_sharpe_ratio(daily, sr_benchmark=bench_annual) == pytest.approx(
        m.psr_from_stats(sr, r.size, g3, g4, bench_annual / np.sqrt(252))
    )
    dsr = m.deflated_sharpe_ratio(daily, 50, sr_variance=0.3)
    assert dsr == pytest.approx(m.dsr_from_stats(sr, r.size, g3, g4, 50, 0.3 / 252))
    trials = [0.2, -0.4, 1.1, 0.5]
    assert m.deflated_sharpe_ratio(daily, 50, trial_sharpes=trials) == pytest.approx(
        m.deflated_sharpe_ratio(daily, 50, sr_variance=float(np.var(trials, ddof=1)))
    )


def test_dsr_falls_with_more_trials_and_equals_psr_for_one(daily: pd.Series) -> None:
    values = [m.deflated_sharpe_ratio(daily, n, sr_variance=0.5) for n in (1, 2, 10, 100, 1000)]
    assert values[0] == pytest.approx(m.probabilistic_sharpe_ratio(daily))
    assert all(a > b for a, b in itertools.pairwise(values))
    with pytest.raises(ConfigError, match="exactly one"):
        m.deflated_sharpe_ratio(daily, 10)
