"""VaR backtest: hand-computed LR statistics, edge cases, test size and power, no look-ahead."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk import MonteCarloSpec, rolling_var_forecast, value_at_risk, var_backtest


def _case(hits: list[int], var: float = 0.02) -> tuple[pd.Series, pd.Series]:
    """Returns that exceed a flat VaR exactly where ``hits`` is 1 (loss 0.03 vs 0.02)."""
    idx = pd.date_range("2024-01-01", periods=len(hits), freq="D", tz="UTC")
    rets = pd.Series([-0.03 if h else 0.01 for h in hits], index=idx)
    return rets, pd.Series(var, index=idx)


def test_hand_computed_kupiec_and_christoffersen() -> None:
    # n = 10, x = 2, p = 0.1 (level 0.9), hits 0 1 1 0 0 0 0 0 0 0
    # Kupiec: null = 8 ln 0.9 + 2 ln 0.1 = -0.842884 - 4.605170 = -5.448054
    #         alt  = 8 ln 0.8 + 2 ln 0.2 = -1.785148 - 3.218876 = -5.004024
    #         LR = -2 (null - alt) = 0.888060
    # pairs: (0,1) (1,1) (1,0) and six (0,0): n00 = 6, n01 = 1, n10 = 1, n11 = 1
    # pi = 2/9, pi0 = 1/7, pi1 = 1/2
    #   null = 7 ln(7/9) + 2 ln(2/9) = -1.7592010 - 3.0081548 = -4.7673558
    #   alt  = 6 ln(6/7) + ln(1/7) + 2 ln(1/2) = -0.9249041 - 1.9459101 - 1.3862944
    #        = -4.2571086
    #   LR_ind = -2 (null - alt) = 1.020494;  LR_cc = 0.888060 + 1.020494 = 1.908554
    rets, var = _case([0, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    bt = var_backtest(rets, var, level=0.9)
    assert (bt.n, bt.exceedances, bt.expected, bt.rate) == (10, 2, pytest.approx(1.0), 0.2)
    assert (bt.n00, bt.n01, bt.n10, bt.n11) == (6, 1, 1, 1)
    assert bt.lr_pof == pytest.approx(0.888060, abs=1e-6)
    assert bt.lr_ind == pytest.approx(1.020494, abs=1e-6)
    assert bt.lr_cc == pytest.approx(1.908554, abs=1e-6)
    assert bt.p_pof == pytest.approx(chi2.sf(0.888060, 1), abs=1e-6)
    assert bt.p_cc == pytest.approx(chi2.sf(1.908554, 2), abs=1e-6)
    assert bt.verdict.startswith("accept") and not bt.rejected


def test_zero_exceedances() -> None:
    # LR_pof = -2 [20 ln 0.95 + 0 ln 0.05 - 20 ln 1 - 0 ln 0] = -40 ln 0.95 = 2.051732
    rets, var = _case([0] * 20)
    bt = var_backtest(rets, var, level=0.95)
    assert bt.exceedances == 0
    assert bt.lr_pof == pytest.approx(-40 * math.log(0.95))
    assert (bt.lr_ind, bt.p_ind) == (0.0, 1.0)


def test_all_exceedances() -> None:
    # LR_pof = -2 [0 ln 0.95 + 5 ln 0.05 - 0 ln 0 - 5 ln 1] = -10 ln 0.05 = 29.957323
    # transitions: n11 = 4 only, pi = pi1 = 1 -> both likelihoods 1, LR_ind = 0
    rets, var = _case([1] * 5)
    bt = var_backtest(rets, var, level=0.95)
    assert bt.lr_pof == pytest.approx(-10 * math.log(0.05))
    assert bt.n11 == 4 and bt.lr_ind == 0.0
    assert bt.rejected and "understated" in bt.verdict


def test_clustered_exceedances_fail_independence() -> None:
    # 5 % rate on average (10 of 200) but all in one run: coverage fine, independence not
    rets, var = _case([0] * 95 + [1] * 10 + [0] * 95)
    bt = var_backtest(rets, var, level=0.95)
    assert bt.p_pof > 0.05 and bt.p_ind < 0.01
    assert bt.verdict.startswith("reject: exceedances cluster")


def test_a_loss_equal_to_the_var_is_not_an_exceedance_and_warmup_is_skipped() -> None:
    rets, var = _case([0, 1, 0, 0])
    var.iloc[1] = 0.03  # loss 0.03 == VaR 0.03
    var.iloc[0] = np.nan  # warm-up
    bt = var_backtest(rets, var, level=0.95)
    assert (bt.n, bt.exceedances) == (3, 0)


def test_to_dict_is_json_able() -> None:
    rets, var = _case([0, 1, 0, 0, 0, 1])
    out = json.loads(json.dumps(var_backtest(rets, var, level=0.95).to_dict(), allow_nan=False))
    assert out["n"] == 6 and out["exceedances"] == 2 and isinstance(out["verdict"], str)
    assert set(out) >= {"lr_pof", "p_pof", "lr_ind", "p_ind", "lr_cc", "p_cc", "rejected"}


def test_bad_inputs() -> None:
    rets, var = _case([0, 1, 0])
    with pytest.raises(ConfigError, match="level"):
        var_backtest(rets, var, level=1.5)
    with pytest.raises(ConfigError, match="significance"):
        var_backtest(rets, var, level=0.95, significance=0.0)
    with pytest.raises(DataError, match="no period"):
        var_backtest(rets, var * np.nan, level=0.95)
    gappy = rets.copy()
    gappy.iloc[1] = np.nan
    with pytest.raises(DataError, match="missing or NaN"):
        var_backtest(gappy, var, level=0.95)


def _rejection_rate(scale: float, n_sims: int = 400, n: int = 500) -> float:
    rng = np.random.default_rng(2024)
    idx = pd.RangeIndex(n)
    var = pd.Series(scale * norm.ppf(0.95), index=idx)
    rejected = 0
    for _ in range(n_sims):
        bt = var_backtest(pd.Series(rng.standard_normal(n), index=idx), var, level=0.95)
        rejected += bt.p_pof < 0.05
    return rejected / n_sims


def test_kupiec_size_is_about_five_percent_with_the_true_var() -> None:
    # 400 seeded draws of 500 N(0, 1) returns against the true 95 % VaR; the rejection
    # count is Binomial(400, ~0.05): sd 4.4 around 20, so 2 % .. 9 % is a > 3 sd band.
    assert 0.02 <= _rejection_rate(1.0) <= 0.09


def test_kupiec_rejects_a_var_understated_by_thirty_percent() -> None:
    # VaR 0.7 * 1.645 = 1.151: true exceedance rate Phi(-1.151) = 12.5 % vs 5 %
    assert _rejection_rate(0.7) >= 0.95


@pytest.mark.parametrize("method", ["historical", "normal", "monte_carlo"])
def test_rolling_forecast_uses_only_the_past(method: str) -> None:
    rng = np.random.default_rng(3)
    rets = pd.Series(rng.normal(0, 0.01, 80), index=pd.date_range("2024", periods=80, tz="UTC"))
    spec = MonteCarloSpec(n_paths=2_000)
    kw = {"window": 40, "level": 0.95, "method": method, "random_state": 5, "monte_carlo": spec}
    fc = rolling_var_forecast(rets, **kw)
    assert fc.iloc[:40].isna().all() and fc.iloc[40:].notna().all()
    if method != "monte_carlo":  # the forecast of t is the VaR of the 40 periods before t
        assert fc.iloc[60] == value_at_risk(rets.iloc[20:60], method=method, level=0.95)
    t = 60
    shocked = rets.copy()
    shocked.iloc[t:] = rng.normal(0, 0.05, len(rets) - t)  # change period t and after
    fc2 = rolling_var_forecast(shocked, **kw)
    pd.testing.assert_series_equal(fc.iloc[: t + 1], fc2.iloc[: t + 1])  # known before t
    assert fc2.iloc[-1] > fc.iloc[-1]  # the shock reaches later forecasts (the test can fail)


def test_rolling_forecast_backtests_end_to_end() -> None:
    rng = np.random.default_rng(4)
    rets = pd.Series(rng.standard_normal(1500) * 0.01)
    fc = rolling_var_forecast(rets, window=250, level=0.99, method="normal")
    bt = var_backtest(rets, fc, level=0.99)
    assert bt.n == 1250 and not bt.rejected
    with pytest.raises(ConfigError, match="window"):
        rolling_var_forecast(rets, window=0)
