"""From one date's signals to an optimised book: the composition a pipeline's ``book`` names.

:class:`OptimizerSpec` is the ``optimizer`` section of a book (frozen, JSON-able, recorded
in the run); :func:`build_book` turns the scores of one date and the returns known at that
date into target weights:

1. **Names.** Scored names, minus the restricted ones; ``preselect`` keeps the top (and for
   long/short books the bottom) fraction by score, so the optimizer sees the names the
   signal has an opinion on.
2. **Covariance** of the last ``window`` periods of returns (registered estimator).
3. **Expected returns**: ``signals`` — ``IC × σ × z`` (Grinold); ``black_litterman`` — the
   equilibrium prior (equal benchmark weights, ``risk_aversion``) updated with the signal
   views at a confidence from the signal's out-of-sample IC and t-statistic; ``historical``;
   ``equilibrium``.
4. **Optimizer** of :data:`OPTIMIZERS` under the shared constraints, with the previous book,
   costs per unit traded and ``holding_periods``; an infeasible problem falls back as stated
   by ``fallback`` and says so in the result.

``method="ranks"`` keeps the tail construction of :func:`signals_to_weights`.
Nothing here reads data: the caller passes the returns known at the rebalance date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.portfolio.constraints import Constraints
from mi_kernel.portfolio.expected import (
    BlackLittermanResult,
    black_litterman,
    equilibrium_returns,
    historical_mean,
    ic_confidence,
    signal_expected_returns,
)
from mi_kernel.portfolio.moments import estimate_covariance
from mi_kernel.portfolio.optimize import OPTIMIZERS, make_optimizer

_MEAN_VARIANCE = {
    "min_variance",
    "max_sharpe",
    "mean_variance",
    "target_return",
    "target_volatility",
}


class OptimizerSpec(BaseModel):
    """How a book is optimised (the ``optimizer`` section of a pipeline's book).

    Attributes
    ----------
    method : str
        "ranks" (equal-weighted tails) or a key of :data:`OPTIMIZERS`.
    covariance, covariance_params : str, dict
        Registered covariance estimator and its parameters.
    window, min_history : int
        Periods of returns used (the last ``window`` before the rebalance), and the fewest
        accepted.
    expected_returns : str
        "signals", "black_litterman", "historical" or "equilibrium".
    risk_aversion, tau : float
        Utility risk aversion (also the equilibrium's δ) and the Black-Litterman τ.
    long_only : bool
        Long-only, fully invested book (else long/short inside the book's net band).
    preselect : float or None
        Fraction of scored names kept per side before optimising (None = all).
    holding_periods : float
        Expected holding period of a trade in periods (costs are spread over it).
    target_return, target_volatility : float or None
        Per period, for the target objectives.
    fallback : {"raise", "previous", "cash"}
        What an infeasible problem does (recorded in the result).
    rebalance_every : int
        Periods between rebalances in a backtest.
    constraints : dict
        Constraints beyond the book's limits (keys of :class:`Constraints`, e.g.
        ``max_turnover``, ``max_names``, ``beta_band``, ``country_caps``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    method: str = "ranks"
    covariance: str = "ledoit_wolf"
    covariance_params: dict[str, Any] = Field(default_factory=dict)
    window: int = Field(default=120, ge=2)
    min_history: int = Field(default=40, ge=2)
    expected_returns: Literal["signals", "black_litterman", "historical", "equilibrium"] = "signals"
    risk_aversion: float = Field(default=1.0, gt=0.0)
    tau: float = Field(default=0.05, gt=0.0)
    long_only: bool = False
    preselect: float | None = Field(default=0.2, gt=0.0, le=1.0)
    holding_periods: float = Field(default=5.0, gt=0.0)
    target_return: float | None = None
    target_volatility: float | None = None
    fallback: Literal["raise", "previous", "cash"] = "previous"
    rebalance_every: int = Field(default=5, ge=1)
    constraints: dict[str, Any] = Field(default_factory=dict)

    def check(self) -> OptimizerSpec:
        """Return self after checking the method is registered (ConfigError otherwise)."""
        if self.method != "ranks" and self.method not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimizer {self.method!r}; choose 'ranks' or one of {sorted(OPTIMIZERS)}"
            )
        return self


@dataclass(frozen=True)
class BookResult:
    """An optimised book and everything that explains it."""

    weights: pd.Series
    expected_returns: pd.Series
    covariance: pd.DataFrame
    risk: pd.DataFrame
    fallback: str | None = None
    note: str = ""
    black_litterman: BlackLittermanResult | None = None
    confidence: float | None = None
    names: list[str] = field(default_factory=list)
    ic: float = 0.0
    ic_t: float = 0.0

    def summary(self, periods_per_year: float) -> dict[str, Any]:
        """Return the book's headline figures (annualised with ``periods_per_year``)."""
        w = self.weights
        c = self.covariance.loc[w.index, w.index].to_numpy()
        var = float(w.to_numpy() @ c @ w.to_numpy())
        mu = float(np.dot(self.expected_returns.reindex(w.index).fillna(0.0).to_numpy(), w))
        return {
            "expected_return": mu * periods_per_year,
            "volatility": float(np.sqrt(max(var, 0.0) * periods_per_year)),
            "gross": float(w.abs().sum()),
            "net": float(w.sum()),
            "n_positions": int((w != 0).sum()),
            "fallback": self.fallback,
            "note": self.note,
            "view_confidence": self.confidence,
            "signal_ic": self.ic,
            "signal_ic_t": self.ic_t,
        }


def _names(scores: pd.Series, spec: OptimizerSpec, cons: Constraints) -> list[str]:
    s = scores.dropna()
    s = s[~s.index.isin(list(cons.restricted))]
    if spec.preselect is None:
        return list(s.index)
    k = max(1, int(np.floor(spec.preselect * len(s) + 1e-9)))
    ordered = s.sort_values(ascending=False, kind="stable")
    picked = list(ordered.index[:k])
    if not spec.long_only:
        picked += [n for n in ordered.index[-k:] if n not in picked]
    return picked


def _window(returns: pd.DataFrame, names: list[str], spec: OptimizerSpec) -> pd.DataFrame:
    missing = [n for n in names if n not in returns.columns]
    if missing:
        raise DataError(f"returns have no column for {missing[:10]}; pass returns of every name")
    window = returns[names].iloc[-spec.window :]
    if len(window) < spec.min_history:
        raise DataError(
            f"only {len(window)} periods of returns before the rebalance; the optimizer needs "
            f"at least min_history={spec.min_history} (lower it or start later)"
        )
    return window.fillna(0.0)  # a missing bar is no price move for the risk estimate


def _expected(
    spec: OptimizerSpec,
    scores: pd.Series,
    window: pd.DataFrame,
    cov: pd.DataFrame,
    ic: float,
    ic_t: float,
) -> tuple[pd.Series, BlackLittermanResult | None, float | None]:
    vol = pd.Series(np.sqrt(np.diag(cov.to_numpy())), index=cov.index)
    if spec.expected_returns == "historical":
        return historical_mean(window), None, None
    equal = pd.Series(1.0 / len(cov), index=cov.index)
    if spec.expected_returns == "equilibrium":
        return equilibrium_returns(cov, equal, spec.risk_aversion), None, None
    views = signal_expected_returns(scores.reindex(cov.index), vol, ic)
    if spec.expected_returns == "signals":
        return views, None, None
    confidence = ic_confidence(ic, ic_t)
    prior = equilibrium_returns(cov, equal, spec.risk_aversion)
    bl = black_litterman(cov, prior, views, confidence, spec.tau)
    return bl.posterior, bl, confidence


def build_book(
    scores: pd.Series,
    returns: pd.DataFrame,
    spec: OptimizerSpec,
    constraints: Constraints,
    ic: float = 0.0,
    ic_t: float = 0.0,
    previous: pd.Series | None = None,
    unit_costs: pd.Series | None = None,
    betas: pd.Series | None = None,
) -> BookResult:
    """Optimise one date's book (see the module docstring for the steps).

    Parameters
    ----------
    scores : Series
        Signal score per symbol at the rebalance date.
    returns : DataFrame
        Per-period returns (ts x symbol) known at the rebalance date, oldest first.
    spec : OptimizerSpec
    constraints : Constraints
    ic, ic_t : float
        The signal's out-of-sample IC and its t-statistic, known at the rebalance date.
    previous : Series, optional
        Weights held before the rebalance (for turnover and costs).
    unit_costs : Series, optional
        Cost per unit of weight traded per symbol (e.g. from the engine's cost model).
    betas : Series, optional
        Per symbol, for a beta band.
    """
    spec.check()
    if spec.method == "ranks":
        raise ConfigError("method 'ranks' is signals_to_weights(); build_book optimises")
    names = _names(scores, spec, constraints)
    if len(names) < 2:
        raise DataError(f"only {len(names)} scored, unrestricted name(s): nothing to optimise")
    window = _window(returns, names, spec)
    cov = estimate_covariance(window, spec.covariance, **spec.covariance_params)
    mu, bl, confidence = _expected(spec, scores, window, cov, ic, ic_t)
    params: dict[str, Any] = {
        "covariance": spec.covariance,
        "constraints": constraints,
        "fallback": spec.fallback,
    }
    fit: dict[str, Any] = {"cov": cov}
    if spec.method in _MEAN_VARIANCE:
        params.update(
            risk_aversion=spec.risk_aversion,
            holding_periods=spec.holding_periods,
            target_return=spec.target_return,
            target_volatility=spec.target_volatility,
        )
        prev = None if previous is None else previous.reindex(cov.index).fillna(0.0)
        fit.update(
            mu=mu,
            betas=None if betas is None else betas.reindex(cov.index),
            previous_weights=prev,
            transaction_costs=None
            if unit_costs is None
            else unit_costs.reindex(cov.index).fillna(float(unit_costs.max())),
        )
    elif spec.method in ("equal", "inverse_vol"):
        params.pop("constraints")
    model = make_optimizer(spec.method, **params).fit(window, **fit)
    return BookResult(
        weights=model.weights_,
        expected_returns=mu,
        covariance=cov,
        risk=model.risk_,
        fallback=model.fallback_,
        note=getattr(model, "note_", ""),
        black_litterman=bl,
        confidence=confidence,
        names=names,
        ic=float(ic),
        ic_t=float(ic_t),
    )


def _known(ic: pd.DataFrame | None, ts: pd.Timestamp) -> tuple[float, float]:
    if ic is None or ic.empty:
        return 0.0, 0.0
    known = ic.loc[ic.index <= ts]
    if known.empty:
        return 0.0, 0.0
    row = known.iloc[-1]
    return float(row["ic"]), float(row["t"])


def optimized_weights(
    signals: pd.DataFrame,
    returns: pd.DataFrame,
    spec: OptimizerSpec,
    constraints: Constraints,
    ic: pd.DataFrame | None = None,
    unit_costs: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rebalance an optimised book every ``spec.rebalance_every`` signal dates, point in time.

    At each rebalance date ``ts`` the optimizer sees the scores of ``ts``, the returns up to
    and including ``ts`` (known at its close), the IC row of ``ic`` stamped at or before
    ``ts`` (columns ``ic`` and ``t``: an IC is stamped when its labels are known) and the
    book it holds. Nothing after ``ts`` is read.

    Returns
    -------
    (weights, log)
        ``weights``: canonical long table (ts, symbol, weight) at the rebalance dates;
        ``log``: one row per rebalance (ts, n_names, expected_return, volatility, gross,
        net, fallback, note).
    """
    spec.check()
    dates = pd.DatetimeIndex(sorted(signals["ts"].unique()))[:: spec.rebalance_every]
    by_date = {ts: g.set_index("symbol")["score"] for ts, g in signals.groupby("ts")}
    rows, log = [], []
    previous: pd.Series | None = None
    for ts in dates:
        known = returns.loc[returns.index <= ts]
        if len(known) < spec.min_history:
            continue  # not enough history yet: no book (said in the log)
        est_ic, est_t = _known(ic, ts)
        book = build_book(
            by_date[ts], known, spec, constraints, est_ic, est_t, previous, unit_costs
        )
        w = book.weights
        full = w.reindex(by_date[ts].index.union(w.index)).fillna(0.0)
        rows.append(pd.DataFrame({"ts": ts, "symbol": full.index, "weight": full.to_numpy()}))
        log.append({"ts": ts, "n_names": len(book.names), **book.summary(1.0)})
        previous = w
    if not rows:
        raise DataError(
            f"no rebalance date has min_history={spec.min_history} periods of returns before "
            "it; lower min_history or give a longer history"
        )
    weights = pd.concat(rows, ignore_index=True)
    return weights, pd.DataFrame(log)
