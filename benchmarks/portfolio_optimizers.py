"""Mean-variance optimizer benchmark: ours vs PyPortfolioOpt, skfolio and Riskfolio-Lib.

One run, one seeded synthetic return panel (500 assets x 1,260 days: five factors plus
idiosyncratic noise plus a small positive drift). The moments are computed once, before
anything is timed, and every library receives the same two numpy arrays:

- ``mu``: the sample mean of the daily returns, shape (n_assets,);
- ``cov``: the Ledoit-Wolf covariance (``sklearn.covariance.LedoitWolf``), shape
  (n_assets, n_assets);

both multiplied by ``PERIODS_PER_YEAR`` (252, the synthetic calendar's business days), the
units PyPortfolioOpt's own estimators return. Scaling both by one constant leaves both
optimal portfolios unchanged; a units check re-solves once per library with the per-day
arrays and records what changes (PyPortfolioOpt's default solver fails there).

Two long-only problems (weights sum to 1, 0 <= w <= 1): minimum variance and maximum
Sharpe ratio (risk-free rate 0). Each library gets one untimed warm-up of both solves; then
``--repeats`` rounds in which the libraries take turns, each timing its two solves one after
the other. Reported: best round of each solve and best round of the pair ("both"), the
ratio of "both" to ours, the largest absolute weight difference from ours (or, while ours
does not exist, from the reference named in the report), the number of weights above
``NONZERO``, each portfolio's volatility and Sharpe ratio under the shared moments, and the
same largest difference between every pair of libraries.

What a solve includes, per library (everything after the moments, up to the weights):

- PyPortfolioOpt: ``EfficientFrontier(mu, cov, weight_bounds=(0, 1))`` and
  ``min_volatility()`` / ``max_sharpe(risk_free_rate=0.0)`` (a new instance per objective,
  as the library requires), its default solver (cvxpy's choice);
- skfolio: ``MeanRisk(...).fit(returns)`` with a prior that hands over ``mu`` and ``cov``
  unchanged (``PrecomputedPrior`` below), ``MINIMIZE_RISK`` with ``VARIANCE`` and
  ``MAXIMIZE_RATIO`` with ``STANDARD_DEVIATION``, its default solver (Clarabel);
- Riskfolio-Lib: ``Portfolio(returns)`` with ``mu`` / ``cov`` set, then
  ``optimization(model="Classic", rm="MV", obj="MinRisk" | "Sharpe", rf=0, hist=True)``,
  its default solver list (Clarabel first);
- ours: ``mi_kernel.portfolio.solve_mean_variance(cov=cov, mu=mu, objective=...)``
  (Clarabel called directly, no cvxpy); its default constraints are long only, fully
  invested, no caps. While it does not exist the run goes on with the peers and says so.

Reproduce::

    .venv/bin/python benchmarks/portfolio_optimizers.py           # writes .md and .json
    .venv/bin/python benchmarks/portfolio_optimizers.py --quick   # 60 x 250, prints only
    .venv/bin/python benchmarks/portfolio_optimizers.py --render JSON  # .md from JSON
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OBJECTIVES = ("min_variance", "max_sharpe")
NONZERO = 1e-6  # a weight above this counts as held
NEGATIVE = 1e-9  # a weight below minus this breaks the long-only bound
TARGET_AGREEMENT = 1e-4  # max |w - w_ours|, from the issue
ISSUE_PYPFOPT_BOTH = 0.36  # seconds, PyPortfolioOpt, both solves (the issue's measurement)
PERIODS_PER_YEAR = 252  # mu and cov are per year: per-day moments x 252
DIAGNOSTIC = "PyPortfolioOpt, diagnostic"  # solver="CLARABEL", not its default

#: A library's solve: (objective, mu, cov, returns) -> weights, shape (n_assets,).
Solve = Callable[[str, np.ndarray, np.ndarray, pd.DataFrame], np.ndarray]


# -- data ---------------------------------------------------------------------------------
def make_returns(n_assets: int, n_days: int, seed: int = 0) -> pd.DataFrame:
    """Daily simple returns: five factors, idiosyncratic noise, a positive drift per asset.

    Factor 1 is a market factor (loadings around 1); factors 2-5 are style factors with
    loadings around 0. Daily volatilities: factors 0.3-1.0 %, idiosyncratic 1.0-2.5 %;
    drift 0.02-0.08 % a day (about 5-20 % a year), so most sample means are positive.
    """
    rng = np.random.default_rng(seed)
    factor_vol = np.array([0.010, 0.006, 0.005, 0.004, 0.003])
    factors = rng.normal(0.0, 1.0, (n_days, factor_vol.size)) * factor_vol
    loadings = rng.normal(0.0, 0.5, (n_assets, factor_vol.size))
    loadings[:, 0] = rng.normal(1.0, 0.3, n_assets)
    idio_vol = rng.uniform(0.010, 0.025, n_assets)
    drift = rng.uniform(0.0002, 0.0008, n_assets)
    noise = rng.normal(0.0, 1.0, (n_days, n_assets)) * idio_vol
    values = drift + factors @ loadings.T + noise
    dates = pd.bdate_range("2020-01-01", periods=n_days, tz="UTC")
    return pd.DataFrame(values, index=dates, columns=[f"A{i:03d}" for i in range(n_assets)])


def daily_moments(returns: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sample mean and Ledoit-Wolf covariance of daily returns, per day."""
    from sklearn.covariance import LedoitWolf

    x = returns.to_numpy()
    return x.mean(axis=0), LedoitWolf().fit(x).covariance_


# -- the libraries: (objective, mu, cov, returns) -> weights ----------------------------
def solve_ours(objective: str, mu: np.ndarray, cov: np.ndarray, returns: pd.DataFrame):
    """``mi_kernel.portfolio.solve_mean_variance`` on the shared arrays (long only, sum 1)."""
    solution = ours()(cov=cov, mu=mu, objective=objective)
    return np.asarray(getattr(solution, "weights", solution), dtype=float)


def ours() -> Callable[..., Any]:
    """Our numpy-level solver (exported by ``mi_kernel.portfolio``, or its module)."""
    try:
        from mi_kernel.portfolio import solve_mean_variance
    except ImportError:
        from mi_kernel.portfolio.mean_variance import solve_mean_variance
    return solve_mean_variance


def solve_pypfopt(
    objective: str,
    mu: np.ndarray,
    cov: np.ndarray,
    returns: pd.DataFrame,
    solver: str | None = None,
):
    """A new ``EfficientFrontier`` per objective (the library refuses a second objective)."""
    from pypfopt import EfficientFrontier

    ef = EfficientFrontier(mu, cov, weight_bounds=(0, 1), solver=solver)
    if objective == "min_variance":
        ef.min_volatility()
    else:
        ef.max_sharpe(risk_free_rate=0.0)
    return np.asarray(ef.weights, dtype=float)


def precomputed_prior(mu: np.ndarray, cov: np.ndarray) -> Any:
    """A skfolio prior whose return distribution carries ``mu`` and ``cov`` as given."""
    from skfolio.prior import BasePrior, ReturnDistribution

    class PrecomputedPrior(BasePrior):
        def __init__(self, mu: Any = None, covariance: Any = None) -> None:
            self.mu = mu
            self.covariance = covariance

        def fit(self, X: Any, y: Any = None, **fit_params: Any) -> PrecomputedPrior:
            self.return_distribution_ = ReturnDistribution(
                mu=self.mu, covariance=self.covariance, returns=np.asarray(X, dtype=float)
            )
            return self

    return PrecomputedPrior(mu, cov)


def solve_skfolio(objective: str, mu: np.ndarray, cov: np.ndarray, returns: pd.DataFrame):
    """``MeanRisk`` with the precomputed prior; max Sharpe as mean / standard deviation."""
    from skfolio import RiskMeasure
    from skfolio.optimization import MeanRisk, ObjectiveFunction

    function, risk = {
        "min_variance": (ObjectiveFunction.MINIMIZE_RISK, RiskMeasure.VARIANCE),
        "max_sharpe": (ObjectiveFunction.MAXIMIZE_RATIO, RiskMeasure.STANDARD_DEVIATION),
    }[objective]
    model = MeanRisk(
        objective_function=function,
        risk_measure=risk,
        prior_estimator=precomputed_prior(mu, cov),
        min_weights=0.0,
        max_weights=1.0,
        budget=1.0,
        risk_free_rate=0.0,
    ).fit(returns)
    return np.asarray(model.weights_, dtype=float)


def solve_riskfolio(objective: str, mu: np.ndarray, cov: np.ndarray, returns: pd.DataFrame):
    """``Portfolio`` with ``mu`` / ``cov`` set; Classic model, MV risk, default solvers."""
    import riskfolio as rp

    obj = {"min_variance": "MinRisk", "max_sharpe": "Sharpe"}[objective]
    port = rp.Portfolio(returns=returns)
    port.mu = pd.DataFrame(mu[None, :], columns=returns.columns)
    port.cov = pd.DataFrame(cov, index=returns.columns, columns=returns.columns)
    w = port.optimization(model="Classic", rm="MV", obj=obj, rf=0, l=0, hist=True)
    if w is None:
        raise RuntimeError(f"Riskfolio-Lib found no solution for obj={obj!r}")
    return w["weights"].to_numpy(dtype=float)


LIBRARIES: dict[str, Solve] = {
    "ours": solve_ours,
    "PyPortfolioOpt": solve_pypfopt,
    "skfolio": solve_skfolio,
    "Riskfolio-Lib": solve_riskfolio,
    DIAGNOSTIC: partial(solve_pypfopt, solver="CLARABEL"),
}


def ours_available() -> bool:
    """Whether ``solve_mean_variance`` exists yet (it is being written)."""
    try:
        ours()
    except ImportError:
        return False
    return True


# -- measuring ----------------------------------------------------------------------------
@contextmanager
def cvxpy_solves() -> Iterator[list[dict[str, Any]]]:
    """Record the solver, status and iterations of every cvxpy solve inside the block.

    The peers do not all expose the problem they solved (Riskfolio-Lib keeps it local), so
    during the untimed warm-up ``cvxpy.Problem.solve`` is wrapped; it is restored on exit.
    """
    import cvxpy

    seen: list[dict[str, Any]] = []
    original = cvxpy.Problem.solve

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        stats = self.solver_stats
        seen.append(
            {"solver": stats.solver_name, "status": self.status, "iterations": stats.num_iters}
        )
        return result

    cvxpy.Problem.solve = recording
    try:
        yield seen
    finally:
        cvxpy.Problem.solve = original


def warm_up(solve: Solve, mu: np.ndarray, cov: np.ndarray, returns: pd.DataFrame) -> dict:
    """Both solves once, untimed: distinct warnings raised (first lines), cvxpy solves."""
    with warnings.catch_warnings(record=True) as caught, cvxpy_solves() as seen:
        warnings.simplefilter("always")
        for objective in OBJECTIVES:
            solve(objective, mu, cov, returns)
    lines = {f"{w.category.__name__}: {str(w.message).strip().splitlines()[0]}" for w in caught}
    return {"warnings": sorted(lines), "cvxpy_solves": seen}


def time_both(
    solve: Solve, mu: np.ndarray, cov: np.ndarray, returns: pd.DataFrame
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Seconds of each solve and of the pair, and the weights, for one repetition."""
    seconds, weights = {}, {}
    for objective in OBJECTIVES:
        t0 = time.perf_counter()
        weights[objective] = solve(objective, mu, cov, returns)
        seconds[objective] = time.perf_counter() - t0
    seconds["both"] = sum(seconds[o] for o in OBJECTIVES)
    return seconds, weights


def portfolio_stats(w: np.ndarray, mu: np.ndarray, cov: np.ndarray) -> dict[str, float]:
    """Volatility and Sharpe ratio (rf 0, in the units of ``mu`` / ``cov``), sum, holdings."""
    vol = float(np.sqrt(w @ cov @ w))
    long = np.clip(w, 0.0, None) / np.clip(w, 0.0, None).sum()  # negative weights dropped
    return {
        "volatility": vol,
        "sharpe": float(mu @ w / vol),
        "sum": float(w.sum()),
        "min_weight": float(w.min()),
        "negative": int((w < -NEGATIVE).sum()),
        "sharpe_long_part": float(mu @ long / np.sqrt(long @ cov @ long)),
        "max_weight": float(w.max()),
        "nonzero": int((w > NONZERO).sum()),
    }


def max_abs_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    return {o: float(np.abs(a[o] - b[o]).max()) for o in OBJECTIVES}


def units_check(
    names: list[str], d_mu: np.ndarray, d_cov: np.ndarray, returns: pd.DataFrame, annual: dict
) -> dict[str, Any]:
    """Each library once on the per-day arrays: the error, or max |w_day - w_year|."""
    out: dict[str, Any] = {}
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = {o: LIBRARIES[name](o, d_mu, d_cov, returns) for o in OBJECTIVES}
        except Exception as exc:  # reported in the table: a peer's failure is a result
            out[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
            continue
        out[name] = {"status": "ok", "max_abs_diff": max_abs_diff(w, annual[name])}
    return out


def run(n_assets: int, n_days: int, repeats: int, names: list[str]) -> dict[str, Any]:
    """Time every library in ``names`` on one panel; compare their weights.

    Each library is warmed up once (both solves, untimed); then ``repeats`` rounds each time
    both solves of every library in turn, so a change of the shared machine's load hits all
    of them alike. A library's figure is its best round.
    """
    returns = make_returns(n_assets, n_days)
    t0 = time.perf_counter()
    d_mu, d_cov = daily_moments(returns)
    mu, cov = d_mu * PERIODS_PER_YEAR, d_cov * PERIODS_PER_YEAR
    out: dict[str, Any] = {
        "size": [n_assets, n_days],
        "moments_seconds": time.perf_counter() - t0,
        "mu_positive": int((mu > 0).sum()),
        "libraries": {},
    }
    libs: dict[str, Any] = out["libraries"]
    for name in names:
        print(f"  warm-up {name} ...", flush=True)
        try:
            libs[name] = {"status": "ok", **warm_up(LIBRARIES[name], mu, cov, returns)}
        except Exception as exc:  # reported in the table: a peer's failure is a result
            libs[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
    ok = [name for name in names if libs[name]["status"] == "ok"]
    out["load"] = [os.getloadavg()[0]]
    weights: dict[str, dict[str, np.ndarray]] = {}
    with warnings.catch_warnings():  # recorded in the warm-up; not printed while timing
        warnings.simplefilter("ignore")
        for i in range(repeats):  # round robin: every library sees the same minutes' load
            print(f"  round {i + 1} of {repeats} ...", flush=True)
            for name in ok:
                seconds, weights[name] = time_both(LIBRARIES[name], mu, cov, returns)
                libs[name].setdefault("runs", []).append(seconds)
            out["load"].append(os.getloadavg()[0])
    for name in ok:
        runs = libs[name]["runs"]
        libs[name]["seconds"] = {k: min(r[k] for r in runs) for k in (*OBJECTIVES, "both")}
        libs[name]["stats"] = {o: portfolio_stats(weights[name][o], mu, cov) for o in OBJECTIVES}
    ref = "ours" if "ours" in weights else next(iter(weights), None)
    out["reference"] = ref
    out["pairwise"] = {
        f"{a} vs {b}": max_abs_diff(weights[a], weights[b])
        for i, a in enumerate(weights)
        for b in list(weights)[i + 1 :]
    }
    for name in weights:
        out["libraries"][name]["max_abs_diff"] = max_abs_diff(weights[name], weights[ref])
    print("  units check (per-day moments) ...", flush=True)
    out["units_check"] = units_check(list(weights), d_mu, d_cov, returns, weights)
    return out


# -- report -------------------------------------------------------------------------------
def _s(x: float) -> str:
    return f"{x:.3f}"


def _e(x: float) -> str:
    return f"{x:.1e}"


def _ratio(x: float, ref: float) -> str:
    return f"{x / ref:.2f}x"


def _mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def render(out: dict[str, Any]) -> str:
    """The markdown report of one run (``out`` as written to the JSON)."""
    n, t = out["size"]
    libs, ref = out["libraries"], out["reference"]
    ok = {k: v for k, v in libs.items() if v["status"] == "ok"}
    ref_both = ok[ref]["seconds"]["both"] if ref in ok else float("nan")
    lines = [
        "# Mean-variance optimizers: ours vs PyPortfolioOpt, skfolio and Riskfolio-Lib",
        "",
        "Reproduce: `.venv/bin/python benchmarks/portfolio_optimizers.py` (writes this file and "
        "`portfolio_optimizers.json`, the raw numbers); `--quick` runs 60 x 250 and prints only; "
        "`--render benchmarks/portfolio_optimizers.json` rewrites this file from the JSON. "
        "PyPortfolioOpt and Riskfolio-Lib are in the lock for this benchmark only.",
        f"Target (issue): minimum variance and maximum Sharpe, long only, {n} assets x "
        f"{t:,} daily returns, Ledoit-Wolf covariance; both solves faster than PyPortfolioOpt "
        f"(measured in the issue at {ISSUE_PYPFOPT_BOTH} s for both) and weights within "
        f"{TARGET_AGREEMENT:.0e} of the peers.",
    ]
    if "ours" not in libs:
        lines += [
            "",
            f"**Ours (`solve_mean_variance`) was not available in this run**; "
            f"differences are from {ref}.",
        ]
    lines += [
        "",
        f"## {n} assets x {t:,} days, long only, sum 1, 0 <= w <= 1: seconds, best of "
        f"{len(next(iter(ok.values()))['runs']) if ok else '?'} after one warm-up",
        "",
        f"| library (solver) | min variance s | max Sharpe s | both s | x {ref} "
        f"| max abs dw vs {ref}, min var | max abs dw vs {ref}, max Sharpe "
        "| non-zeros min var / max Sharpe |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in libs.items():
        label = f"{name} ({_solvers(name, r)})"
        if r["status"] != "ok":
            lines.append(f"| {label} | failed: {r['error']} | | | | | | |")
            continue
        sec, diff, st = r["seconds"], r["max_abs_diff"], r["stats"]
        lines.append(
            f"| {label} | {_s(sec['min_variance'])} | {_s(sec['max_sharpe'])} "
            f"| {_s(sec['both'])} | {_ratio(sec['both'], ref_both)} "
            f"| {_e(diff['min_variance'])} | {_e(diff['max_sharpe'])} "
            f"| {st['min_variance']['nonzero']} / {st['max_sharpe']['nonzero']} |"
        )
    lines += [
        "",
        _targets(out, ok),
        "",
        _reading(ok),
        "",
        _portfolios(ok, ref),
        "",
        _pairs(out),
        "",
        _units(out),
        "",
        _machine(out),
        "",
        NOTES.strip(),
        "",
        _pypfopt_note(out),
        "",
        _units_note(out),
        "",
        CAVEATS,
    ]
    return "\n".join(lines) + "\n"


def _reading(ok: dict[str, Any]) -> str:
    """What the timing table says, in words (only for the libraries that ran)."""
    if "ours" not in ok:
        return ""
    ours = ok["ours"]["seconds"]
    rounds = [r["both"] for r in ok["ours"]["runs"]]
    text = (
        f"Ours took {min(rounds):.3f}-{max(rounds):.3f} s for both solves over the "
        f"{len(rounds)} rounds"
    )
    margin = ISSUE_PYPFOPT_BOTH / ours["both"] - 1
    text += (
        f"; its best is {abs(margin):.0%} {'under' if margin > 0 else 'over'} the issue's "
        f"{ISSUE_PYPFOPT_BOTH} s, a margin smaller than the spread of its rounds on this "
        "shared machine."
        if abs(margin) < (max(rounds) - min(rounds)) / min(rounds)
        else "."
    )
    if "PyPortfolioOpt" in ok:
        pp = ok["PyPortfolioOpt"]["seconds"]
        text += (
            f" Per objective, PyPortfolioOpt's min variance took {pp['min_variance']:.3f} s "
            f"({pp['min_variance'] / ours['min_variance']:.2f}x ours) and its max Sharpe "
            f"{pp['max_sharpe']:.3f} s ({pp['max_sharpe'] / ours['max_sharpe']:.2f}x ours); "
            "see the notes for what its default solver does on max Sharpe."
        )
    if DIAGNOSTIC in ok:
        dg = ok[DIAGNOSTIC]["seconds"]["both"]
        text += (
            f" With Clarabel forced, PyPortfolioOpt took {dg:.3f} s for both "
            f"({dg / ours['both']:.2f}x ours): the same solver behind cvxpy's modelling layer."
        )
    return text


def _solvers(name: str, r: dict[str, Any]) -> str:
    if name == "ours":
        return "Clarabel, called directly"
    return ", ".join(sorted({c["solver"] for c in r.get("cvxpy_solves", [])})) or "?"


def _targets(out: dict[str, Any], ok: dict[str, Any]) -> str:
    rows = ["| target (issue) | measured | |", "| --- | --- | --- |"]
    if "ours" not in ok:
        return "\n".join([*rows, "| ours vs PyPortfolioOpt, both solves | ours not run | |"])
    ours_both = ok["ours"]["seconds"]["both"]
    if "PyPortfolioOpt" in ok:
        pp = ok["PyPortfolioOpt"]["seconds"]["both"]
        rows.append(
            f"| ours both solves < PyPortfolioOpt's (this run) | {_s(ours_both)} s vs "
            f"{_s(pp)} s ({pp / ours_both:.2f}x faster) | {_mark(ours_both < pp)} |"
        )
    rows.append(
        f"| ours both solves < the issue's PyPortfolioOpt {ISSUE_PYPFOPT_BOTH} s "
        f"| {_s(ours_both)} s | {_mark(ours_both < ISSUE_PYPFOPT_BOTH)} |"
    )
    for name, r in ok.items():
        if name in ("ours", DIAGNOSTIC):
            continue
        worst = max(r["max_abs_diff"].values())
        rows.append(
            f"| max abs dw, {name} vs ours (both objectives) <= {TARGET_AGREEMENT:.0e} "
            f"| {_e(worst)} | {_mark(worst <= TARGET_AGREEMENT)} |"
        )
    return "\n".join(rows)


def _portfolios(ok: dict[str, Any], ref: str) -> str:
    rows = [
        f"Portfolios under the shared moments (per year, x {PERIODS_PER_YEAR}); a better optimum "
        "is a lower volatility (min variance) or a higher Sharpe ratio (max Sharpe).",
        "",
        f"| library | min var: volatility % | vs {ref} | max Sharpe: Sharpe | vs {ref} "
        "| smallest weight (min var / max Sharpe) | weights < -1e-9 | largest abs(sum - 1) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    base = ok[ref]["stats"] if ref in ok else None
    for name, r in ok.items():
        mv, ms = r["stats"]["min_variance"], r["stats"]["max_sharpe"]
        d_vol = mv["volatility"] / base["min_variance"]["volatility"] - 1 if base else 0.0
        d_sh = ms["sharpe"] / base["max_sharpe"]["sharpe"] - 1 if base else 0.0
        rows.append(
            f"| {name} | {100 * mv['volatility']:.6f} | {d_vol:+.1e} | {ms['sharpe']:.7f} "
            f"| {d_sh:+.1e} | {mv['min_weight']:.1e} / {ms['min_weight']:.1e} "
            f"| {mv['negative']} / {ms['negative']} "
            f"| {max(abs(mv['sum'] - 1), abs(ms['sum'] - 1)):.1e} |"
        )
    return "\n".join(rows)


def _pairs(out: dict[str, Any]) -> str:
    rows = ["| max abs dw between libraries | min variance | max Sharpe |", "| --- | --- | --- |"]
    rows += [
        f"| {pair} | {_e(d['min_variance'])} | {_e(d['max_sharpe'])} |"
        for pair, d in out["pairwise"].items()
    ]
    return "\n".join(rows)


def _units(out: dict[str, Any]) -> str:
    rows = [
        "Units check: each library once more with the per-day arrays (mu and cov not x 252), "
        "against its own per-year weights.",
        "",
        "| library, per-day moments | min variance: max abs dw | max Sharpe: max abs dw |",
        "| --- | --- | --- |",
    ]
    for name, r in out["units_check"].items():
        if r["status"] != "ok":
            rows.append(f"| {name} | failed: {r['error']} | |")
        else:
            d = r["max_abs_diff"]
            rows.append(f"| {name} | {_e(d['min_variance'])} | {_e(d['max_sharpe'])} |")
    return "\n".join(rows)


def _machine(out: dict[str, Any]) -> str:
    v, code = out["versions"], out.get("code", {})
    libs = out["libraries"]
    loads = " -> ".join(f"{x:.1f}" for x in out["load"])
    warned = (
        "; ".join(f"{k}: {' | '.join(r['warnings'])}" for k, r in libs.items() if r.get("warnings"))
        or "none"
    )
    status = "; ".join(
        f"{k}: "
        + ", ".join(
            f"{c['solver']} {c['status']} ({c['iterations']} it.)" for c in r["cvxpy_solves"]
        )
        for k, r in libs.items()
        if r.get("cvxpy_solves")
    )
    dirty = " plus uncommitted changes" if code.get("portfolio_dirty") else ""
    return "\n".join(
        [
            "## Machine",
            "",
            f"{out['machine']}; " + ", ".join(f"{k} {x}" for k, x in v.items()) + ". "
            f"BLAS threads: {out['threads']}. `mi_kernel/portfolio` as of commit "
            f"{code.get('portfolio_commit', '?')}{dirty}; repository HEAD "
            f"{code.get('head', '?')}. Load average (1 min) after the warm-ups and after each "
            f"round: {loads}. The 2 cores are shared with other sessions' work, so absolute "
            "times move with the load; the libraries take turns within each round, so the "
            "ratios, measured in the same minutes, move less. "
            f"Moments (not timed): {out['moments_seconds']:.2f} s; "
            f"{out['mu_positive']} of {out['size'][0]} expected returns are positive. "
            f"Whole run: {out['wall_seconds']:.0f} s.",
            "",
            f"cvxpy solves in the warm-up (min variance, max Sharpe): {status}. "
            "Warnings raised in the warm-up: "
            f"{warned}.",
        ]
    )


NOTES = """## Notes

**Same problem everywhere.** The returns are made once (seed 0; five factors with daily
volatilities of 0.3-1.0 %, idiosyncratic volatility 1.0-2.5 %, drift 0.02-0.08 % a day); the
sample mean and the Ledoit-Wolf covariance (`sklearn.covariance.LedoitWolf`) are computed
once, scaled to a year (x 252) and handed to every library as the same two numpy arrays.
Long only, weights summing to 1, each at most 1, risk-free rate 0; no other constraint.

**What is timed** is everything after the moments up to the weights, for each objective:
PyPortfolioOpt `EfficientFrontier(mu, cov, weight_bounds=(0, 1))` and `min_volatility()` /
`max_sharpe(risk_free_rate=0.0)`, one instance per objective (it refuses a second objective
on a solved instance), with its default solver, cvxpy's choice for a QP; skfolio
`MeanRisk(...).fit(returns)` with a prior that returns the given `mu` / `cov` (a
`BasePrior` whose `fit` builds a `ReturnDistribution` from them), `MINIMIZE_RISK` +
`VARIANCE` and `MAXIMIZE_RATIO` + `STANDARD_DEVIATION` (skfolio maximises mean / standard
deviation for `VARIANCE` too, with a warning), default solver Clarabel; Riskfolio-Lib
`Portfolio(returns)` with `mu` / `cov` set and `optimization(model="Classic", rm="MV",
obj="MinRisk" | "Sharpe", rf=0, hist=True)`, default solver list (Clarabel first); ours
`solve_mean_variance(cov=cov, mu=mu, objective=...)`. The three peers build a cvxpy problem
and compile it on every call; that is part of their cost as used. A repetition times the two
solves back to back; the libraries take turns within each of the 5 rounds (after one
untimed warm-up each); "both" is a library's best round, the single-objective columns the
best of each (so they can add up to slightly less than "both").

**Non-zeros** count weights above 1e-6. Interior-point solvers (Clarabel) return tiny
positive weights rather than exact zeros for assets at their lower bound; ours sets weights
below 1e-8 to 0.
"""

CAVEATS = """## Caveats

- Synthetic returns with a clean factor structure; real panels (missing data, near-singular
  covariances) may be harder for every solver.
- One panel, one size; best of 5 on 2 shared cores. The PyPortfolioOpt figure of the issue
  came from another machine and data; the ratio to PyPortfolioOpt measured here in the same
  minutes is the comparison that holds.
"""


def _pypfopt_note(out: dict[str, Any]) -> str:
    libs = out["libraries"]
    text = (
        f'**The diagnostic row** ({DIAGNOSTIC}) is PyPortfolioOpt with `solver="CLARABEL"`, '
        "the solver ours, skfolio and Riskfolio-Lib use, to separate the solver from the "
        "modelling layer; it is not PyPortfolioOpt as shipped and no target is judged on it."
    )
    pp = libs.get("PyPortfolioOpt", {})
    bad = [c for c in pp.get("cvxpy_solves", []) if c["status"] != "optimal"]
    if bad and "ours" in libs and libs["ours"]["status"] == "ok":
        ms, ours = pp["stats"]["max_sharpe"], libs["ours"]["stats"]["max_sharpe"]
        text += (
            f" PyPortfolioOpt's default solver here is {bad[0]['solver']} (cvxpy's choice for "
            f"a QP); on max Sharpe it stopped at {bad[0]['iterations']:,} iterations with status "
            f"`{bad[0]['status']}` (a UserWarning says the solution may be inaccurate). That "
            f"book holds {ms['negative']} weights below -1e-9 (smallest "
            f"{ms['min_weight']:.1e}), so it is slightly short and its Sharpe ratio "
            f"{ms['sharpe']:.7f} is above ours ({ours['sharpe']:.7f}) by breaking the long-only "
            f"bound; with the negative weights dropped and the rest rescaled it is "
            f"{ms['sharpe_long_part']:.7f}."
        )
    return text


def _units_note(out: dict[str, Any]) -> str:
    failed = [k for k, r in out["units_check"].items() if r["status"] != "ok"]
    text = (
        f"**Why per-year moments.** mu and cov are the per-day estimates x {PERIODS_PER_YEAR}, "
        "PyPortfolioOpt's own units (its estimators annualise by default); every solver sees "
        "the same arrays, and multiplying both by one constant changes neither optimum. "
    )
    if failed:
        text += f"With the per-day arrays {', '.join(failed)} failed (units check above)."
    if "PyPortfolioOpt" in failed:
        text += (
            " PyPortfolioOpt's `max_sharpe` solves for the weights divided by the book's "
            "expected excess return, about 1/2,000 per day here, so its variables are in the "
            "thousands; its default solver (OSQP) then stops at its iteration limit."
        )
    else:
        text += "With the per-day arrays every library still solved (units check above)."
    return text


# -- provenance ---------------------------------------------------------------------------
def code_version() -> dict[str, Any]:
    """The commit ``mi_kernel/portfolio`` was read from (read-only git queries)."""

    def git(*cmd: str) -> str:
        return subprocess.run(
            ["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        return {
            "head": git("rev-parse", "--short", "HEAD"),
            "portfolio_commit": git("log", "-1", "--format=%h", "--", "mi_kernel/portfolio"),
            "portfolio_dirty": bool(git("status", "--porcelain", "--", "mi_kernel/portfolio")),
        }
    except (OSError, subprocess.CalledProcessError):
        return {}


def versions() -> dict[str, str]:
    dists = (
        "numpy",
        "scipy",
        "pandas",
        "scikit-learn",
        "cvxpy",
        "cvxpy-base",
        "clarabel",
        "osqp",
        "pyportfolioopt",
        "skfolio",
        "riskfolio-lib",
    )
    out = {"python": sys.version.split()[0]}
    for dist in dists:
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="60 x 250, 2 repeats, print only")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--libraries", nargs="+", choices=list(LIBRARIES), default=list(LIBRARIES))
    ap.add_argument("--render", metavar="JSON", help="only rewrite the markdown from JSON")
    args = ap.parse_args()
    md_path = ROOT / "benchmarks" / "portfolio_optimizers.md"
    js_path = ROOT / "benchmarks" / "portfolio_optimizers.json"
    if args.render:
        md_path.write_text(render(json.loads(Path(args.render).read_text())))
        return 0
    names = [n for n in args.libraries if n != "ours" or ours_available()]
    if "ours" in args.libraries and "ours" not in names:
        print("ours (mi_kernel.portfolio.solve_mean_variance) is not available: peers only")
    size, repeats = ((60, 250), 2) if args.quick else ((500, 1260), args.repeats)
    t0 = time.perf_counter()
    affinity = len(os.sched_getaffinity(0))
    out: dict[str, Any] = {
        "machine": f"{platform.machine()}, nproc {affinity} ({os.cpu_count()} cores), "
        f"Linux {platform.release()}",
        "versions": versions(),
        "threads": ", ".join(
            f"{k}={os.environ[k]}"
            for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
            if k in os.environ
        )
        or "library defaults",
        "code": code_version(),
    }
    print(f"mean-variance optimizers {size[0]} x {size[1]}", flush=True)
    out |= run(*size, repeats, names)
    out["wall_seconds"] = time.perf_counter() - t0
    text = render(out)
    print(text)
    if not args.quick:
        js_path.write_text(json.dumps(out, indent=1))
        md_path.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
