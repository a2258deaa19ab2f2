"""Backtest-engine benchmark: ours vs vectorbt, backtrader and bt, same data, same costs.

One run, one seeded synthetic market per size (geometric random walk, OHLC + volume), the
same signal arrays and target weights for every engine:

- **SMA 20/100 per-asset sleeves** (100 x 5,000 and 500 x 5,000): enter when SMA 20 crosses
  above SMA 100, exit when it crosses below, at that bar's close; each symbol its own sleeve
  of capital / N. Ours (``simulate``, targets 1.0 / 0.0, ``sleeves``, lag 0) with 10 bps to
  check agreement and with the full cost model for the timing target; vectorbt
  ``Portfolio.from_signals``; backtrader (one strategy over N feeds, cheat-on-close); bt
  (a child strategy per sleeve), each peer at 10 bps commission.
- **Monthly momentum 12-1, top decile** (``momentum_12_1`` weights, month ends): ours in
  portfolio mode vs vectorbt ``from_orders`` target-percent with cash sharing and vs bt
  (RunMonthly / SelectWhere / WeighEqually / Rebalance), 10 bps.

Times: ours and vectorbt warm (median of ``--repeats`` calls), first call in a fresh process
with the numba cache on disk, and first call compiling into an empty ``NUMBA_CACHE_DIR``;
backtrader and bt once, in a subprocess with a timeout. ``Market.from_bars`` is built once,
outside the timed part, and timed apart.

Reproduce::

    .venv/bin/python benchmarks/backtest_engine.py           # writes backtest_engine.md/.json
    .venv/bin/python benchmarks/backtest_engine.py --quick   # small sizes, prints only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backtest_engine_peers as peers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CAPITAL = 1e6
TEN_BPS = {"commission_bps": 10.0, "spread_bps": 0.0, "impact_coef": 0.0, "borrow_bps": 0.0}
SLEEVES = {"sleeves": True, "participation": None}
PORTFOLIO = {"participation": None}


# -- data ---------------------------------------------------------------------------------
def make_data(n_symbols: int, n_days: int, seed: int = 0) -> dict[str, Any]:
    """Seeded geometric random walks with OHLC and volume; long bars; shared signals."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2000-01-03", periods=n_days, tz="UTC")
    symbols = [f"S{i:04d}" for i in range(n_symbols)]
    ret = rng.normal(0.0003, 0.015, (n_days, n_symbols))
    close = 50.0 * np.exp(np.cumsum(np.log1p(ret), axis=0))
    prev = np.vstack([close[:1] / (1.0 + ret[:1]), close[:-1]])
    open_ = prev * np.exp(rng.normal(0.0, 0.003, close.shape))
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, 0.005, close.shape)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, 0.005, close.shape)))
    volume = np.round(1e6 * np.exp(rng.normal(0.0, 0.5, close.shape)))
    d: dict[str, Any] = {
        "dates": dates,
        "symbols": symbols,
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "volume": volume,
        "capital": CAPITAL,
        "sleeve": CAPITAL / n_symbols,
        "close_df": pd.DataFrame(close, index=dates, columns=symbols),
    }
    d["bars"] = pd.DataFrame(
        {
            "ts": np.repeat(dates, n_symbols),
            "symbol": np.tile(np.asarray(symbols, dtype=object), n_days),
            **{k: d[k].ravel() for k in ("open", "high", "low", "close", "volume")},
        }
    )
    entries, exits = sma_signals(close)
    d["entries"] = pd.DataFrame(entries, index=dates, columns=symbols)
    d["exits"] = pd.DataFrame(exits, index=dates, columns=symbols)
    d["sma_target"] = np.where(entries, 1.0, np.where(exits, 0.0, np.nan))
    d["sma_wide"] = pd.DataFrame(d["sma_target"], index=dates, columns=symbols)
    return d


def sma_signals(close: np.ndarray, fast: int = 20, slow: int = 100) -> tuple[np.ndarray, ...]:
    """Crossings of SMA ``fast`` over SMA ``slow`` (both known at the bar's close).

    No signal on the last bar: backtrader fills a cheat-on-close order on the next bar,
    which does not exist there, so no engine gets one.
    """
    frame = pd.DataFrame(close)
    f = frame.rolling(fast).mean().to_numpy()
    s = frame.rolling(slow).mean().to_numpy()
    above = f > s
    valid = ~np.isnan(s)
    was_above = np.vstack([np.zeros((1, close.shape[1]), bool), above[:-1]])
    was_valid = np.vstack([np.zeros((1, close.shape[1]), bool), valid[:-1]])
    both = valid & was_valid
    entries, exits = above & ~was_above & both, ~above & was_above & both
    entries[-1], exits[-1] = False, False
    return entries, exits


def momentum_weights(d: dict[str, Any]) -> pd.DataFrame:
    """Wide target weights of ``momentum_12_1`` (NaN off rebalance bars; none on the last)."""
    from mi_kernel.backtest import momentum_12_1

    long = momentum_12_1(d["bars"])
    wide = long.pivot(index="ts", columns="symbol", values="weight")
    wide = wide.reindex(index=d["dates"], columns=d["symbols"])
    wide.iloc[-1] = np.nan
    return wide


# -- ours ---------------------------------------------------------------------------------
def ours_sma(market: Any, d: dict[str, Any], costs: dict[str, float] | None) -> Any:
    from mi_kernel.backtest import simulate

    return simulate(d["sma_wide"], market, costs, CAPITAL, lag=0, execution=SLEEVES)


def ours_momentum(market: Any, d: dict[str, Any]) -> Any:
    from mi_kernel.backtest import simulate

    return simulate(d["mom_wide"], market, TEN_BPS, CAPITAL, lag=0, execution=PORTFOLIO)


def sleeve_values(result: Any, d: dict[str, Any]) -> np.ndarray:
    """Each sleeve's final value: its cash (capital / N less its fills) plus its position."""
    fills = result.trades
    paid = fills["quantity"] * fills["price"] + fills[
        ["commission", "spread_cost", "impact_cost", "tax_cost"]
    ].sum(axis=1)
    spent = paid.groupby(fills["symbol"]).sum().reindex(d["symbols"]).fillna(0.0)
    held = result.positions.iloc[-1].reindex(d["symbols"]).to_numpy()
    return d["sleeve"] - spent.to_numpy() + held * d["close"][-1]


# -- timing helpers -----------------------------------------------------------------------
def warm(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls after one untimed call; the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def rel_diff(a: Any, b: Any) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def run_child(args: list[str], timeout: float, env: dict[str, str] | None = None) -> dict:
    """Run this script with ``args`` in a fresh process; its last stdout line is JSON."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, __file__, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or os.environ.copy(),
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout": timeout, "wall": time.perf_counter() - t0}
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"status": "error", "error": " | ".join(tail), "wall": time.perf_counter() - t0}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"status": "ok", "wall": time.perf_counter() - t0, **out}


# -- child processes ----------------------------------------------------------------------
def probe(engine: str, n_symbols: int, n_days: int) -> dict[str, float]:
    """First call of ``engine`` in this (fresh) process: import, market build, first run."""
    d = make_data(n_symbols, n_days)
    t0 = time.perf_counter()
    if engine == "ours":
        from mi_kernel.backtest import Market

        t1 = time.perf_counter()
        market = Market.from_bars(d["bars"])
        t2 = time.perf_counter()
        ours_sma(market, d, None)
        t3 = time.perf_counter()
        return {"import": t1 - t0, "market": t2 - t1, "first": t3 - t2}
    vbt = peers.import_vectorbt()
    t1 = time.perf_counter()
    peers.vbt_sma(vbt, d)
    return {"import": t1 - t0, "first": time.perf_counter() - t1}


def peer(name: str, task: str, n_symbols: int, n_days: int) -> dict[str, Any]:
    """Run one slow peer once (in a subprocess with a timeout) and return its result."""
    d = make_data(n_symbols, n_days)
    if task == "momentum":
        d["mom_wide"] = momentum_weights(d)
    fn = {
        ("backtrader", "sma"): peers.backtrader_sma,
        ("bt", "sma"): peers.bt_sma,
        ("bt", "momentum"): peers.bt_momentum,
    }[(name, task)]
    t0 = time.perf_counter()
    out = fn(d)
    return {"seconds": time.perf_counter() - t0, **out}
