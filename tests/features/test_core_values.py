"""Hand-computed values of the core recipe on tiny panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.features import RECIPES, compute_features
from mi_kernel.schemas import validate
from tests.features.conftest import bars_from_closes, random_bars

DATES = pd.bdate_range("2021-01-04", periods=80, tz="UTC")


def _value(table: pd.DataFrame, symbol: str, ts: pd.Timestamp, column: str) -> float:
    row = table[(table["symbol"] == symbol) & (table["ts"] == ts)]
    assert len(row) == 1
    return float(row[column].iloc[0])


def test_mom_5_is_close_over_close_five_sessions_ago() -> None:
    closes = list(np.arange(100.0, 180.0))
    out = compute_features(bars_from_closes({"A": closes}, DATES))
    assert _value(out, "A", DATES[5], "mom_5") == pytest.approx(105 / 100 - 1, rel=1e-12)
    assert _value(out, "A", DATES[30], "mom_20") == pytest.approx(130 / 110 - 1, rel=1e-12)
    assert out["mom_5"].iloc[:5].isna().all()


def test_windows_count_own_sessions_across_a_gap() -> None:
    a = list(np.arange(100.0, 180.0))
    b = list(np.arange(200.0, 280.0))
    b[3] = np.nan  # B has no bar on DATES[3]
    out = compute_features(bars_from_closes({"A": a, "B": b}, DATES))
    # B's 6th own session is DATES[6]; five own sessions earlier is DATES[0].
    assert _value(out, "B", DATES[6], "mom_5") == pytest.approx(206 / 200 - 1, rel=1e-12)
    assert np.isnan(_value(out, "B", DATES[5], "mom_5"))
    assert len(out) == 159  # one row per bar, none dropped


def test_volatility_and_zscore_match_numpy() -> None:
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(3).normal(0, 0.01, 80)))
    out = compute_features(bars_from_closes({"A": list(closes)}, DATES))
    logret = np.diff(np.log(closes))
    t = 50
    assert _value(out, "A", DATES[t], "vol_20") == pytest.approx(
        np.std(logret[t - 20 : t], ddof=1), rel=1e-9
    )
    window = closes[t - 19 : t + 1]
    z = (closes[t] - window.mean()) / window.std(ddof=1)
    assert _value(out, "A", DATES[t], "mr_z_20") == pytest.approx(z, rel=1e-9)


def test_mom_12_1_skips_the_last_21_sessions() -> None:
    dates = pd.bdate_range("2020-01-01", periods=300, tz="UTC")
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(5).normal(0, 0.01, 300)))
    out = compute_features(bars_from_closes({"A": list(closes)}, dates))
    t = 280
    expected = closes[t - 21] / closes[t - 252] - 1
    assert _value(out, "A", dates[t], "mom_12_1") == pytest.approx(expected, rel=1e-12)
    assert np.isnan(_value(out, "A", dates[251], "mom_12_1"))


def test_beta_of_twice_the_market_is_two() -> None:
    rng = np.random.default_rng(0)
    m_ret = rng.normal(0, 0.01, 80)
    market = pd.Series(1000 * np.cumprod(1 + m_ret), index=DATES)
    stock = 50 * np.cumprod(1 + 2 * m_ret)
    out = compute_features(bars_from_closes({"A": list(stock)}, DATES), market=market)
    beta = out["beta_60"].to_numpy()
    assert np.isnan(beta[:60]).all()
    np.testing.assert_allclose(beta[60:], 2.0, rtol=1e-9)


def test_beta_against_the_equal_weighted_universe() -> None:
    r = np.random.default_rng(1).normal(0, 0.01, 80)
    r[0] = 0.0
    closes = {"A": list(100 * np.cumprod(1 + r)), "B": list(100 * np.cumprod(1 + 3 * r))}
    out = compute_features(bars_from_closes(closes, DATES))  # market = (r + 3r) / 2 = 2r
    last = out[out["ts"] == DATES[-1]].set_index("symbol")["beta_60"]
    assert last["A"] == pytest.approx(0.5, rel=1e-9)
    assert last["B"] == pytest.approx(1.5, rel=1e-9)


def test_ranks_are_percentiles_by_date() -> None:
    closes = {
        "A": list(np.linspace(100, 110, 80)),
        "B": list(np.linspace(100, 130, 80)),
        "C": list(np.linspace(100, 90, 80)),
    }
    out = compute_features(bars_from_closes(closes, DATES))
    ranks = out[out["ts"] == DATES[40]].set_index("symbol")["mom_20_rank"]
    assert ranks.to_dict() == {"A": 0.5, "B": 1.0, "C": 0.0}
    rank_cols = [c for c in out.columns if c.endswith("_rank")]
    values = out[rank_cols].to_numpy()
    assert np.nanmin(values) >= 0.0 and np.nanmax(values) <= 1.0


def test_output_schema_order_and_lookbacks() -> None:
    bars = random_bars(7, gaps=False)
    out = compute_features(bars.sample(frac=1.0, random_state=0))  # unsorted input
    validate(out, "features")
    assert list(out.columns) == ["ts", "symbol", *RECIPES["core"].columns]
    assert len(out) == len(bars)
    pd.testing.assert_frame_equal(out, compute_features(bars))
    first = out[out["symbol"] == "S0"].reset_index(drop=True)
    for spec in RECIPES["core"].features:
        assert first[spec.name].first_valid_index() == spec.lookback, spec.name
