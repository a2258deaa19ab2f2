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

The peers' code is in ``backtest_engine_peers.py`` (with the vectorbt import shim for
plotly 7), the markdown in ``backtest_engine_report.py``.

Reproduce::

    .venv/bin/python benchmarks/backtest_engine.py           # writes backtest_engine.md/.json
    .venv/bin/python benchmarks/backtest_engine.py --quick   # small sizes, prints only
    .venv/bin/python benchmarks/backtest_engine.py --render benchmarks/backtest_engine.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
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
import backtest_engine_peers as peers
from backtest_engine_report import rel_diff, render, size_label

ROOT = Path(__file__).resolve().parents[1]
CAPITAL = 1e6
TEN_BPS = {"base": "zero", "commission_bps": 10.0}  # the peers' fee; nothing else charged
SLEEVES = {"sleeves": True, "participation": None}
PORTFOLIO = {"participation": None}
PANELS = ("open", "high", "low", "close", "volume", "tradable", "adv", "sigma")


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
def ours_sma(market: Any, d: dict[str, Any], costs: dict[str, Any] | None) -> Any:
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


def run_child(
    args: list[str], timeout: float, env: dict[str, str] | None = None, mem_gb: float = 0.0
) -> dict:
    """Run this script with ``args`` in a fresh process; its last stdout line is JSON.

    ``mem_gb`` > 0 caps the child's address space (a peer that would exhaust the shared
    machine's memory fails with MemoryError instead of waking the OOM killer).
    """

    def cap() -> None:
        if mem_gb > 0:
            limit = int(mem_gb * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-W", "ignore", __file__, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env or os.environ.copy(),
            preexec_fn=cap,
        )
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout": timeout, "wall": time.perf_counter() - t0}
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        errors = [x for x in proc.stderr.splitlines() if "Error" in x or "Killed" in x]
        error = errors[-1].strip() if errors else f"exit code {proc.returncode}"
        if "MemoryError" in proc.stderr or "Unable to allocate" in proc.stderr:
            return {"status": "memory", "mem_gb": mem_gb, "wall": wall, "error": error}
        return {"status": "error", "error": error, "wall": wall}
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
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": peak, **out}


# -- the benchmark ------------------------------------------------------------------------
def probes(n_symbols: int, n_days: int, cold: bool) -> dict[str, dict[str, Any]]:
    """First calls in fresh processes: into an empty numba cache (if ``cold``), then with
    the cache on disk (the cold run's, or the one this benchmark's earlier runs wrote)."""
    out: dict[str, dict[str, Any]] = {}
    for engine in ("ours", "vbt"):
        env = os.environ.copy()
        args = ["--probe", engine, "--symbols", str(n_symbols), "--days", str(n_days)]
        if cold:
            env["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="mi-bt-bench-")
            out[f"{engine}_cold"] = run_child(args, 900, env)
        out[f"{engine}_cached"] = run_child(args, 900, env)
    return out


def slow_peer(
    name: str,
    task: str,
    size: tuple[int, int],
    timeout: float,
    mem_gb: float,
    fee: float = peers.FEE,
) -> dict[str, Any]:
    args = ["--peer", name, task, "--symbols", str(size[0]), "--days", str(size[1])]
    print(f"  {name} {task} {size[0]}x{size[1]} (timeout {timeout:.0f} s) ...", flush=True)
    out = run_child([*args, "--fee", str(fee)], timeout, mem_gb=mem_gb)
    return out | {"load": os.getloadavg()[0]}


def sma_task(
    size: tuple[int, int],
    args: argparse.Namespace,
    vbt: Any,
    prior: dict[str, Any] | None,
    cold: bool,
) -> dict[str, Any]:
    """SMA 20/100 sleeves at one size: timings, peers, agreement."""
    from mi_kernel.backtest import Market

    d = make_data(*size)
    t0 = time.perf_counter()
    market = Market.from_bars(d["bars"])
    res: dict[str, Any] = {
        "market_build": time.perf_counter() - t0,
        "load_start": os.getloadavg()[0],
    }
    res["ours_10bps"], r10 = warm(lambda: ours_sma(market, d, TEN_BPS), args.repeats)
    res["ours_full"], rfull = warm(lambda: ours_sma(market, d, None), args.repeats)
    c_market = market.replace(**{k: np.ascontiguousarray(getattr(market, k)) for k in PANELS})
    res["ours_full_c"], _ = warm(lambda: ours_sma(c_market, d, None), args.repeats)
    res["fortran_panels"] = [k for k in PANELS if not getattr(market, k).flags.c_contiguous]
    res["vbt"], pf = warm(lambda: peers.vbt_sma(vbt, d), args.repeats)
    ours, ref = sleeve_values(r10, d), pf.final_value().to_numpy()
    res["agree"] = {
        "ours_vs_vbt_sleeves": rel_diff(ours, ref),
        "ours_vs_vbt_total": rel_diff(r10.equity.iloc[-1], ref.sum()),
        "ours_sleeves_vs_equity": rel_diff(ours.sum(), r10.equity.iloc[-1]),
        "fills_ours": len(r10.trades),
        "orders_vbt": int(pf.orders.count().sum()),
    }
    res["equity"] = {
        "ours_10bps": float(r10.equity.iloc[-1]),
        "ours_full": float(rfull.equity.iloc[-1]),
        "vbt": float(ref.sum()),
        "full_costs": {k: float(v) for k, v in rfull.total_costs.items()},
    }
    res["probes"] = probes(*size, cold) if not args.no_probes else {}
    for name, timeout in (("backtrader", args.backtrader_budget), ("bt", args.bt_timeout)):
        before = (prior or {}).get(name)
        if before and before["status"] != "ok":
            why = f"did not finish at {size_label(prior['size'])} in {timeout:.0f} s"
            res[name] = {"status": "skipped", "why": why}
            continue
        guess = before["seconds"] * size[0] / prior["size"][0] if before else None
        if name == "backtrader" and guess is not None and guess > timeout:  # over budget
            res[name] = {"status": "skipped", "extrapolated": guess}
            continue
        res[name] = slow_peer(name, "sma", size, timeout, args.peer_mem_gb)
        if guess is not None:
            res[name]["extrapolated"] = guess
        if res[name]["status"] == "ok":
            res["agree"][f"ours_vs_{name}_sleeves"] = rel_diff(ours, res[name].pop("sleeves"))
            res["agree"][f"ours_vs_{name}_total"] = rel_diff(ours.sum(), res[name]["total"])
    res["load_end"] = os.getloadavg()[0]
    return res


def momentum_task(size: tuple[int, int], args: argparse.Namespace, vbt: Any) -> dict[str, Any]:
    """Monthly 12-1 momentum, top decile, portfolio mode at one size."""
    from mi_kernel.backtest import Market, simulate

    d = make_data(*size)
    market = Market.from_bars(d["bars"])
    t0 = time.perf_counter()
    d["mom_wide"] = momentum_weights(d)
    res: dict[str, Any] = {"weights_build": time.perf_counter() - t0}
    res["rebalances"] = int(d["mom_wide"].notna().any(axis=1).sum())
    res["load_start"] = os.getloadavg()[0]
    res["ours"], r = warm(lambda: ours_momentum(market, d), args.repeats)
    res["vbt"], pf = warm(lambda: peers.vbt_momentum(vbt, d), args.repeats)
    res["bt"] = slow_peer("bt", "momentum", size, args.bt_timeout, args.peer_mem_gb)
    free = {"base": "zero"}
    r0 = simulate(d["mom_wide"], market, free, CAPITAL, lag=0, execution=PORTFOLIO)
    peers.FEE, fee = 0.0, peers.FEE
    pf0 = peers.vbt_momentum(vbt, d)
    peers.FEE = fee
    res["bt_free"] = slow_peer("bt", "momentum", size, args.bt_timeout, args.peer_mem_gb, 0.0)
    eq = {"ours": float(r.equity.iloc[-1]), "vbt": float(pf.final_value())}
    eq0 = {"ours": float(r0.equity.iloc[-1]), "vbt": float(pf0.final_value())}
    for key, out in (("bt", eq), ("bt_free", eq0)):
        if res[key]["status"] == "ok":
            out["bt"] = res[key]["total"]
    res["equity_10bps"], res["equity_free"] = eq, eq0
    res["fills_ours"] = len(r.trades)
    res["orders_vbt"] = int(pf.orders.count())
    res["load_end"] = os.getloadavg()[0]
    return res


def code_version() -> dict[str, Any]:
    """The commit the engine code was read from (read-only git queries; {} without git)."""

    def git(*cmd: str) -> str:
        return subprocess.run(
            ["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        return {
            "head": git("rev-parse", "--short", "HEAD"),
            "engine_commit": git("log", "-1", "--format=%h", "--", "mi_kernel/backtest"),
            "engine_dirty": bool(git("status", "--porcelain", "--", "mi_kernel/backtest")),
        }
    except (OSError, subprocess.CalledProcessError):
        return {}


def versions() -> dict[str, str]:
    import backtrader
    import bt
    import numba
    import plotly

    vbt = sys.modules.get("vectorbt")
    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "numba": numba.__version__,
        "vectorbt": getattr(vbt, "__version__", "?"),
        "plotly": plotly.__version__,
        "backtrader": backtrader.__version__,
        "bt": bt.__version__,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, print only")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--bt-timeout", type=float, default=300.0)
    ap.add_argument("--backtrader-budget", type=float, default=600.0)
    ap.add_argument("--peer-mem-gb", type=float, default=8.0, help="address-space cap")
    ap.add_argument("--no-probes", action="store_true", help="skip the fresh-process runs")
    ap.add_argument("--render", metavar="JSON", help="only rewrite the markdown from JSON")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    ap.add_argument("--peer", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--symbols", type=int, default=100, help=argparse.SUPPRESS)
    ap.add_argument("--days", type=int, default=5000, help=argparse.SUPPRESS)
    ap.add_argument("--fee", type=float, default=peers.FEE, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.probe:
        print(json.dumps(probe(args.probe, args.symbols, args.days)))
        return 0
    if args.peer:
        peers.FEE = args.fee
        print(json.dumps(peer(*args.peer, args.symbols, args.days)))
        return 0
    md, js = (
        ROOT / "benchmarks" / "backtest_engine.md",
        ROOT / "benchmarks" / "backtest_engine.json",
    )
    if args.render:
        md.write_text(render(json.loads(Path(args.render).read_text())))
        return 0
    if args.quick:
        sizes, mom_size = [(40, 600)], (60, 600)
        args.repeats, args.bt_timeout, args.backtrader_budget = 2, 60.0, 120.0
    else:
        sizes, mom_size = [(100, 5000), (500, 5000)], (500, 5000)
    os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="mi-bt-bench-"))
    t_start = time.perf_counter()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}"
    vbt = peers.import_vectorbt()
    out: dict[str, Any] = {"machine": machine, "versions": versions(), "sma": []}
    out["code"] = code_version()
    prior = None
    for size in sizes:
        print(f"SMA sleeves {size[0]}x{size[1]}", flush=True)
        cold = size == sizes[-1]  # compiling does not depend on the size: once is enough
        res = {"size": list(size), **sma_task(size, args, vbt, prior, cold)}
        out["sma"].append(res)
        prior = {"size": list(size), **{k: res[k] for k in ("backtrader", "bt")}}
    print(f"momentum {mom_size[0]}x{mom_size[1]}", flush=True)
    out["momentum"] = {"size": list(mom_size), **momentum_task(mom_size, args, vbt)}
    out["wall_seconds"] = time.perf_counter() - t_start
    text = render(out)
    print(text)
    if not args.quick:
        js.write_text(json.dumps(out, indent=1, default=float))
        md.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
