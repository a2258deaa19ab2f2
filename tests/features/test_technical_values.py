"""Technical recipe: hand-computed values, numpy/pandas oracles and own-session windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.features import RECIPES, compute_features
from tests.features.conftest import bars_from_closes, market_for, random_bars

DATES = pd.bdate_range("2021-01-04", periods=120, tz="UTC")


def _walk(seed: int, n: int = 120, sd: float = 0.015) -> np.ndarray:
    return 100 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, sd, n)))


def _one(closes: np.ndarray, volume=1e6, market: pd.Series | None = None) -> pd.DataFrame:
    vol = {"A": list(volume)} if isinstance(volume, np.ndarray) else volume
    bars = bars_from_closes({"A": list(closes)}, DATES[: len(closes)], vol)
    return compute_features(bars, "technical", market=market).set_index("ts")


def wilder_rsi(closes: np.ndarray, n: int) -> np.ndarray:
    """Textbook Wilder RSI, one value at a time."""
    d = np.diff(closes)
    gain, loss = np.maximum(d, 0), np.maximum(-d, 0)
    out = np.full(len(closes), np.nan)
    avg_g, avg_l = gain[:n].mean(), loss[:n].mean()
    out[n] = 100 - 100 / (1 + avg_g / avg_l)
    for k in range(n, len(d)):
        avg_g = (avg_g * (n - 1) + gain[k]) / n
        avg_l = (avg_l * (n - 1) + loss[k]) / n
        out[k + 1] = 100 - 100 / (1 + avg_g / avg_l)
    return out


def test_reversal_is_minus_the_skipped_return() -> None:
    closes = np.arange(100.0, 220.0)
    out = _one(closes)
    t = 50
    assert out["rev_1"].iloc[t] == pytest.approx(-(closes[t] / closes[t - 1] - 1), rel=1e-12)
    assert out["rev_5_1"].iloc[t] == pytest.approx(-(closes[t - 1] / closes[t - 5] - 1), rel=1e-12)


def test_downside_vol_idio_vol_and_amihud_match_numpy() -> None:
    closes = _walk(1)
    volume = np.random.default_rng(2).uniform(5e5, 2e6, 120)
    market = pd.Series(1000 * np.cumprod(1 + np.random.default_rng(3).normal(0, 0.01, 120)), DATES)
    out = _one(closes, volume, market)
    t = 100
    logret = np.diff(np.log(closes))[t - 60 : t]
    down = np.minimum(logret, 0)
    assert out["dvol_60"].iloc[t] == pytest.approx(np.sqrt(np.mean(down**2)), rel=1e-9)
    ret = closes[1:] / closes[:-1] - 1
    illiq = np.abs(ret) / (closes[1:] * volume[1:]) * 1e6
    assert out["amihud_20"].iloc[t] == pytest.approx(illiq[t - 20 : t].mean(), rel=1e-9)
    m = market.to_numpy()
    mret = (m[1:] / m[:-1] - 1)[t - 60 : t]
    design = np.column_stack([np.ones(60), mret])
    coef, *_ = np.linalg.lstsq(design, ret[t - 60 : t], rcond=None)
    resid = ret[t - 60 : t] - design @ coef
    assert out["beta_60"].iloc[t] == pytest.approx(coef[1], rel=1e-9)
    assert out["ivol_60"].iloc[t] == pytest.approx(np.sqrt(resid @ resid / 58), rel=1e-9)


def test_volume_z_is_the_z_score_of_log_volume() -> None:
    volume = np.random.default_rng(4).uniform(1e5, 1e6, 120)
    out = _one(_walk(5), volume)
    t = 70
    window = np.log1p(volume[t - 19 : t + 1])
    z = (window[-1] - window.mean()) / window.std(ddof=1)
    assert out["volume_z_20"].iloc[t] == pytest.approx(z, rel=1e-9)


def test_rsi_matches_wilders_definition() -> None:
    closes = _walk(6)
    out = _one(closes)
    np.testing.assert_allclose(out["rsi_14"].to_numpy(), wilder_rsi(closes, 14), rtol=1e-10)
    rising = _one(np.arange(100.0, 220.0))["rsi_14"]
    assert rising.iloc[14:].eq(100.0).all() and rising.iloc[:14].isna().all()


def test_macd_matches_pandas_ewm() -> None:
    closes = _walk(7)
    out = _one(closes)
    s = pd.Series(closes)
    line = s.ewm(span=12, adjust=False).mean() - s.ewm(span=26, adjust=False).mean()
    line.iloc[:25] = np.nan
    signal = line.ewm(span=9, adjust=False, min_periods=9).mean()
    np.testing.assert_allclose(out["macd"].to_numpy(), (line / s).to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(out["macd_signal"].to_numpy(), (signal / s).to_numpy(), rtol=1e-10)
    hist = ((line - signal) / s).to_numpy()
    np.testing.assert_allclose(out["macd_hist"].to_numpy(), hist, rtol=1e-9, atol=1e-15)


def test_lookbacks_of_every_technical_feature() -> None:
    bars = random_bars(8, n_days=300, n_assets=3, gaps=False)
    out = compute_features(bars, "technical", market=market_for(bars, 1))
    first = out[out["symbol"] == "S0"].reset_index(drop=True)
    for spec in RECIPES["technical"].features:
        assert first[spec.name].first_valid_index() == spec.lookback, spec.name


def test_windows_count_own_sessions_for_every_kernel() -> None:
    """A symbol with gaps gets the values it would get on its own sessions laid end to end."""
    bars = random_bars(9, n_days=200, n_assets=4, gaps=True)
    market = market_for(bars, 2)
    out = compute_features(bars, "technical", market=market)
    own = bars[bars["symbol"] == "S1"].reset_index(drop=True)
    assert len(own) < 200  # it has gaps
    packed = own.assign(ts=pd.bdate_range("2030-01-01", periods=len(own), tz="UTC"))
    packed_market = pd.Series(market.reindex(own["ts"]).to_numpy(), index=packed["ts"])
    alone = compute_features(packed, "technical", market=packed_market)
    got = out[out["symbol"] == "S1"].reset_index(drop=True)
    for spec in RECIPES["technical"].features:
        np.testing.assert_allclose(got[spec.name], alone[spec.name], rtol=1e-9, err_msg=spec.name)


def test_cross_sectional_z_scores_are_clipped_and_centred() -> None:
    out = compute_features(random_bars(10, n_days=80, n_assets=30, gaps=False), "technical")
    z = out.pivot(index="ts", columns="symbol", values="mom_20_z").dropna(how="all")
    assert z.abs().max().max() <= 3.0
    assert z.iloc[-1].abs().max() > 0.5  # not all zero
    unclipped = z[(z.abs() < 3.0).all(axis=1)]
    np.testing.assert_allclose(unclipped.mean(axis=1), 0.0, atol=1e-12)


def test_threads_split_symbols_without_changing_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    from mi_kernel.features import rolling
    from mi_kernel.features.engine import Block, block_features, equal_weight_level, own_returns

    monkeypatch.setattr(rolling, "MIN_COLUMNS_PER_THREAD", 2)  # 9 symbols: 3 threads of 3
    from mi_kernel.features.inputs import FeatureInputs
    from mi_kernel.features.panel import SessionIndex

    bars = random_bars(12, n_days=260, n_assets=9, gaps=True)
    idx = SessionIndex.from_sorted(bars["ts"], bars["symbol"])
    close = idx.to_dates(bars["close"].to_numpy())
    mask = idx.mask()
    level = equal_weight_level(own_returns(close, mask))
    block = Block(
        idx.dates, idx.symbols, close, idx.to_dates(bars["volume"].to_numpy()), mask, level
    )
    serial = block_features(block, RECIPES["technical"], FeatureInputs(), threads=1)
    threaded = block_features(block, RECIPES["technical"], FeatureInputs(), threads=3)
    for name, values in serial.items():
        np.testing.assert_array_equal(threaded[name], values, err_msg=name)
