"""Stress scenarios: ``Market -> Market`` plug-ins, and a runner that reports their damage.

A scenario is a small frozen dataclass with one method, ``apply(market) -> Market``; it
returns a changed copy and never edits the market it is given. Built-ins, by registry key
(:data:`SCENARIOS`):

- ``gfc_2008``, ``covid_2020`` (:class:`IndexShock`): the S&P 500's daily returns over
  a historical drawdown, replayed onto the market's bars;
- ``halt`` (:class:`Halt`): some symbols cannot trade over a window;
- ``circuit_breaker`` (:class:`CircuitBreaker`): market-wide halts on large declines;
- ``venue_outage`` (:class:`VenueOutage`): nothing fills over a window;
- ``covid_2020_breakers``: the COVID replay with circuit breakers on (:class:`Chain`).

:func:`run_scenarios` backtests one book (a weights table or a strategy id) on the base
market and on every scenario and returns one row per run: P&L, drawdown, worst bar, bars
without fills and the breaches of :class:`Limits`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import Execution, simulate
from mi_kernel.backtest.market import Array, BoolArray, Market, trailing_liquidity
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.backtest.strategies import get_strategy
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas.tables import conform, utc_bound

IntArray = NDArray[np.int64]

#: Historical drawdowns of the S&P 500 by name: (first close, last close), inclusive.
SHOCK_WINDOWS: dict[str, tuple[str, str]] = {
    "gfc_2008": ("2008-09-01", "2009-03-09"),
    "covid_2020": ("2020-02-19", "2020-03-23"),
}
#: Declines of the day (fractions) that trip circuit-breaker levels 1, 2 and 3 (as in the US).
BREAKER_LEVELS = (0.07, 0.13, 0.20)
#: Lowest gross price return a shocked bar may have (prices stay positive).
_FLOOR = -0.99
#: Rounding allowance when comparing a book's exposures to a limit.
_LIMIT_TOL = 1e-9


@runtime_checkable
class Scenario(Protocol):
    """A stress scenario: ``name`` labels its row, ``apply`` is its one method."""

    @property
    def name(self) -> str:
        """Label of the scenario in reports."""
        ...

    def apply(self, market: Market) -> Market:
        """Return a changed copy of ``market``."""
        ...


# -- index shocks -------------------------------------------------------------------------
def index_returns(window: str, benchmark: str = "sp500") -> pd.Series:
    """Return the benchmark's daily returns over a named window of :data:`SHOCK_WINDOWS`.

    The window's returns run from its first close to its last (``closes - 1`` returns), so
    they compound to the index's move over the window (about -47 % for ``gfc_2008`` and
    -34 % for ``covid_2020``).
    """
    if window not in SHOCK_WINDOWS:
        raise ConfigError(f"unknown shock window {window!r}; known: {sorted(SHOCK_WINDOWS)}")
    from mi_kernel.data import load_benchmark  # the data layer is read only when shocking

    lo, hi = (pd.Timestamp(d, tz="UTC") for d in SHOCK_WINDOWS[window])
    level = load_benchmark(benchmark)
    return level.loc[lo:hi].pct_change().iloc[1:].rename(f"{benchmark}_{window}")


def _valid_returns(market: Market) -> Array:
    """Total returns (T, N), NaN where the bar or the previous close is missing."""
    prev = pd.DataFrame(market.close).ffill().shift(1).to_numpy()
    ok = np.isfinite(market.close) & np.isfinite(prev)
    return np.where(ok, market.total_return(), np.nan)


def estimate_betas(
    market: Market,
    end: int,
    lookback: int = 252,
    reference: Literal["market", "benchmark"] = "market",
    benchmark: str = "sp500",
    min_obs: int = 20,
) -> Array:
    """Estimate each symbol's beta from the ``lookback`` bars before bar ``end`` only.

    Parameters
    ----------
    market : Market
        The market; only its bars ``[end - lookback, end)`` are read (no look-ahead).
    end : int
        First bar *not* used (the first shocked bar).
    lookback : int, default 252
        Bars of history.
    reference : {"market", "benchmark"}, default "market"
        Regress on the equal-weighted return of the market's symbols, or on the benchmark's
        daily returns on the same dates (for markets that overlap its history).
    benchmark : str, default "sp500"
        Benchmark of :func:`mi_kernel.data.load_benchmark` when ``reference="benchmark"``.
    min_obs : int, default 20
        Fewer joint observations than this give beta 1.0 (the market's own beta).

    Returns
    -------
    ndarray (N,)
        OLS slope of each symbol's total return on the reference return.
    """
    lo = max(0, end - lookback)
    r = _valid_returns(market)[lo:end]
    if reference == "market":
        with np.errstate(invalid="ignore"):
            ref = np.nanmean(np.where(market.members[lo:end], r, np.nan), axis=1)
    else:
        from mi_kernel.data import load_benchmark

        level = load_benchmark(benchmark)
        level.index = level.index.normalize()
        ref = level.pct_change().reindex(market.ts[lo:end].normalize()).to_numpy(dtype="float64")
    both = np.isfinite(r) & np.isfinite(ref)[:, None]
    n = both.sum(axis=0)
    x = np.where(both, ref[:, None], 0.0)
    y = np.where(both, r, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = x.sum(axis=0) / n, y.sum(axis=0) / n
        cov = (np.where(both, (x - mx) * (y - my), 0.0)).sum(axis=0)
        var = (np.where(both, (x - mx) ** 2, 0.0)).sum(axis=0)
        beta = cov / var
    return np.where((n >= min_obs) & (var > 0) & np.isfinite(beta), beta, 1.0)


def shock_closes(market: Market, start: int, shock: Array, betas: Array) -> Array:
    """Return the price multiplier (T, N) that adds ``betas * shock`` to the bars' returns.

    Bar ``start + k`` gets ``betas * shock[k]`` added to its split-adjusted price return
    (a symbol without that bar gets it on its next bar, compounded). Prices after the
    shock keep their multiplier, so later returns are unchanged. Gross returns are floored
    at -99 % so that prices stay positive.
    """
    n_t, n_a = market.shape
    mult = np.ones((n_t, n_a))
    prev = pd.DataFrame(market.close).ffill().to_numpy()
    prev_close = prev[start - 1].copy()
    m, acc = np.ones(n_a), np.ones(n_a)
    for k, s in enumerate(shock):
        t = start + k
        acc *= 1.0 + s
        close = market.close[t]
        has = np.isfinite(close)
        with np.errstate(invalid="ignore", divide="ignore"):
            gross = close * market.split[t] / prev_close
        ok = has & np.isfinite(gross) & (gross > 0)
        shocked = np.maximum(gross + betas * (acc - 1.0), 1.0 + _FLOOR)
        m = np.where(ok, m * shocked / np.where(ok, gross, 1.0), m)
        acc = np.where(has, 1.0, acc)
        prev_close = np.where(has, close, prev_close)
        mult[t] = m
    mult[start + len(shock) :] = m
    return mult


@dataclass(frozen=True)
class IndexShock:
    """Replay the S&P 500's daily returns over a historical window onto the market.

    Over ``L`` bars starting at ``start`` (default: the last ``L`` bars), each symbol's
    price return on bar ``start + k`` gets ``beta_i * R_k`` added, ``R_k`` the index's
    ``k``-th return in the window (:func:`index_returns`) and ``beta_i`` estimated from
    bars before ``start`` only (:func:`estimate_betas`), unless ``beta`` fixes it. Open,
    high, low and close of every bar from ``start`` on are multiplied by the same factor
    (shocked close / raw close), so bars stay consistent and returns after the window are
    the base market's. Volume in the window is multiplied by ``volume_factor``; ADV and
    volatility are recomputed from ``start`` on (trailing, ``liquidity_window`` bars).
    Corporate actions are untouched: dividends stay the same cash amounts per share.

    Attributes
    ----------
    window : str
        Key of :data:`SHOCK_WINDOWS` ("gfc_2008" or "covid_2020").
    start : str or None
        First shocked bar (the first bar at or after this date); None = the last bars.
    beta : float or None
        One beta for every symbol; None estimates them.
    reference, lookback, benchmark
        Beta estimation (see :func:`estimate_betas`).
    volume_factor : float
        Volume multiplier on shocked bars (crisis volumes ran about twice normal).
    liquidity_window : int
        Bars of history for the recomputed ADV and volatility.
    """

    window: str = "gfc_2008"
    start: str | None = None
    beta: float | None = None
    reference: Literal["market", "benchmark"] = "market"
    lookback: int = 252
    benchmark: str = "sp500"
    volume_factor: float = 2.0
    liquidity_window: int = 20

    @property
    def name(self) -> str:
        """The window's name."""
        return self.window

    def first_bar(self, market: Market, length: int) -> int:
        """Return the index of the first shocked bar for a shock of ``length`` bars."""
        n_t = market.shape[0]
        first = (
            n_t - length
            if self.start is None
            else int(market.ts.searchsorted(utc_bound(self.start, "start"), side="left"))
        )
        if first < 1 or first + length > n_t:
            raise ConfigError(
                f"{self.window} needs {length} bars from start={self.start or 'auto'} and one "
                f"bar before them; the market has {n_t} bars ({market.ts[0]:%Y-%m-%d} .. "
                f"{market.ts[-1]:%Y-%m-%d}); move start or use a longer market"
            )
        return first

    def apply(self, market: Market) -> Market:
        """Return the market with the window's index returns added from the first bar on."""
        if self.volume_factor <= 0:
            raise ConfigError(f"volume_factor must be positive, got {self.volume_factor}")
        shock = index_returns(self.window, self.benchmark)
        s, n = self.first_bar(market, len(shock)), len(shock)
        if self.beta is None:
            betas = estimate_betas(market, s, self.lookback, self.reference, self.benchmark)
        else:
            betas = np.full(market.shape[1], float(self.beta))
        mult = shock_closes(market, s, shock.to_numpy(dtype="float64"), betas)
        volume = market.volume.copy()
        volume[s : s + n] *= self.volume_factor
        note = (
            f"SCENARIO {self.window}: S&P 500 returns {shock.index[0]:%Y-%m-%d} .. "
            f"{shock.index[-1]:%Y-%m-%d} replayed onto bars {market.ts[s]:%Y-%m-%d} .. "
            f"{market.ts[s + n - 1]:%Y-%m-%d}; prices from then on are not history"
        )
        shocked = market.replace(
            **{p: getattr(market, p) * mult for p in ("open", "high", "low", "close")},
            volume=volume,
            warnings=(*market.warnings, note),
        )
        adv, sigma = trailing_liquidity(shocked, self.liquidity_window)
        adv[:s], sigma[:s] = market.adv[:s], market.sigma[:s]
        return shocked.replace(adv=adv, sigma=sigma)


# -- trading interruptions ----------------------------------------------------------------
def _window(market: Market, start: str | None, end: str | None, what: str) -> BoolArray:
    """Bars with ``start <= ts <= end`` (inclusive; None = open-ended); refuse an empty one."""
    lo, hi = utc_bound(start, "start"), utc_bound(end, "end")
    rows = np.ones(market.shape[0], dtype=bool)
    if lo is not None:
        rows &= market.ts >= lo
    if hi is not None:
        rows &= market.ts <= hi
    if not rows.any():
        raise ConfigError(
            f"{what} window {start} .. {end} holds no bar of the market "
            f"({market.ts[0]:%Y-%m-%d} .. {market.ts[-1]:%Y-%m-%d})"
        )
    return rows


@dataclass(frozen=True)
class Halt:
    """Halt trading in ``symbols`` from ``start`` to ``end`` (inclusive): no fills there."""

    symbols: tuple[str, ...]
    start: str | None
    end: str | None

    @property
    def name(self) -> str:
        """ "halt"."""
        return "halt"

    def apply(self, market: Market) -> Market:
        """Return the market with the symbols not tradable on the window's bars."""
        unknown = sorted(set(self.symbols) - set(market.symbols))
        if unknown or not self.symbols:
            raise DataError(f"halt names symbols without bars: {unknown or 'none given'}")
        cols = [market.symbols.index(s) for s in self.symbols]
        tradable = market.tradable.copy()
        rows = np.flatnonzero(_window(market, self.start, self.end, "halt"))
        tradable[np.ix_(rows, cols)] = False
        return market.replace(tradable=tradable)


@dataclass(frozen=True)
class VenueOutage:
    """The venue is down from ``start`` to ``end`` (inclusive): nothing fills there."""

    start: str | None
    end: str | None

    @property
    def name(self) -> str:
        """ "venue_outage"."""
        return "venue_outage"

    def apply(self, market: Market) -> Market:
        """Return the market with no symbol tradable on the window's bars."""
        tradable = market.tradable.copy()
        tradable[_window(market, self.start, self.end, "venue outage")] = False
        return market.replace(tradable=tradable)


def breaker_levels(market: Market, levels: Sequence[float] = BREAKER_LEVELS) -> IntArray:
    """Return the circuit-breaker level (0 = none) reached by the day so far at each bar.

    The market's bar return is the equal-weighted total return of the members with a bar
    and a previous close; the day's decline at a bar compounds the bar returns of its
    calendar day (UTC) so far, the first measured from the previous day's last close. On
    daily bars it is simply the bar's equal-weighted return. A level is reached when the
    decline is at least its threshold (``-8 %`` reaches level 1, ``-6 %`` does not).
    """
    r = np.where(market.members, _valid_returns(market), np.nan)
    with np.errstate(invalid="ignore"):
        bar = np.nan_to_num(np.nanmean(r, axis=1), nan=0.0)
    day = market.ts.normalize()
    so_far = pd.Series(1.0 + bar).groupby(np.asarray(day)).cumprod().to_numpy() - 1.0
    thresholds = np.asarray(sorted(levels), dtype="float64")
    return (so_far[:, None] <= -thresholds[None, :]).sum(axis=1)


@dataclass(frozen=True)
class CircuitBreaker:
    """Market-wide trading halts on large declines of the day (US-style levels).

    Rule (per bar ``t``, the day's decline from :func:`breaker_levels`): when the decline
    first reaches level 1 (-7 %) or level 2 (-13 %) in a day, bar ``t`` has no fills (the
    halt covers the rest of the bar); when it reaches level 3 (-20 %), bar ``t``, every
    later bar of the day and the first bar after the day have no fills. On daily bars:
    a bar whose equal-weighted return is -7 % or worse has no fills, and -20 % or worse
    also stops the next bar. The decline is measured at the bar's close, so the rule
    assumes the threshold was crossed during the bar and cancels the whole bar's fills.
    """

    levels: tuple[float, float, float] = BREAKER_LEVELS

    @property
    def name(self) -> str:
        """ "circuit_breaker"."""
        return "circuit_breaker"

    def apply(self, market: Market) -> Market:
        """Return the market with the halted bars not tradable for any symbol."""
        if not all(0 < lv < 1 for lv in self.levels) or list(self.levels) != sorted(self.levels):
            raise ConfigError(f"levels must rise within (0, 1), got {self.levels}")
        level = breaker_levels(market, self.levels)
        day = np.asarray(market.ts.normalize())
        prev_level = np.concatenate([[0], level[:-1]])
        new_day = np.concatenate([[True], day[1:] != day[:-1]])
        prev_level[new_day] = 0
        halted = level > prev_level  # the bar where the day first reaches a level
        for t in np.flatnonzero((level >= 3) & (prev_level < 3)):
            rest = np.flatnonzero(day > day[t])
            halted[t : rest[0] + 1 if rest.size else len(day)] = True
        tradable = market.tradable & ~halted[:, None]
        return market.replace(tradable=tradable)


@dataclass(frozen=True)
class Chain:
    """Apply several scenarios in order (e.g. a shock, then circuit breakers)."""

    steps: tuple[Scenario, ...]
    label: str | None = field(default=None)

    @property
    def name(self) -> str:
        """``label`` or the steps' names joined by "+"."""
        return self.label or "+".join(s.name for s in self.steps)

    def apply(self, market: Market) -> Market:
        """Return the market after every step."""
        for step in self.steps:
            market = step.apply(market)
        return market


def _breakers_after(window: str, **params: Any) -> Scenario:
    return Chain((IndexShock(window, **params), CircuitBreaker()), label=f"{window}_breakers")


#: Scenario registry: key -> factory ``(**params) -> Scenario``.
SCENARIOS: dict[str, Callable[..., Scenario]] = {
    "gfc_2008": partial(IndexShock, "gfc_2008"),
    "covid_2020": partial(IndexShock, "covid_2020"),
    "covid_2020_breakers": partial(_breakers_after, "covid_2020"),
    "circuit_breaker": CircuitBreaker,
    "halt": Halt,
    "venue_outage": VenueOutage,
}


def get_scenario(name: str, **params: Any) -> Scenario:
    """Build the registered scenario ``name`` with ``params``."""
    if name not in SCENARIOS:
        raise ConfigError(
            f"unknown scenario {name!r}; choose from {sorted(SCENARIOS)} "
            "or register a factory in mi_kernel.backtest.SCENARIOS"
        )
    try:
        return SCENARIOS[name](**params)
    except TypeError as exc:
        raise ConfigError(f"scenario {name!r} cannot be built from {params}: {exc}") from exc


# -- the runner ---------------------------------------------------------------------------
class Limits(BaseModel):
    """Risk limits a scenario run is checked against (None = not checked).

    Attributes
    ----------
    max_drawdown : float or None
        Largest allowed fall of equity from its running peak (0.2 = 20 %).
    max_gross_exposure : float or None
        Largest allowed sum of absolute position values / equity (1.0 = fully invested).
    max_position_weight : float or None
        Largest allowed absolute position value / equity of one symbol.
    max_daily_loss : float or None
        Largest allowed loss of one calendar day (UTC), as a fraction of the previous day's
        closing equity (on daily bars: one bar).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_drawdown: float | None = Field(default=None, gt=0.0, le=1.0)
    max_gross_exposure: float | None = Field(default=None, gt=0.0)
    max_position_weight: float | None = Field(default=None, gt=0.0)
    max_daily_loss: float | None = Field(default=None, gt=0.0, le=1.0)


LIMIT_NAMES = tuple(Limits.model_fields)


def market_bars(market: Market) -> pd.DataFrame:
    """Return the market's raw bars as a canonical bars table (what strategies read)."""
    has = np.isfinite(market.close)
    t, j = np.nonzero(has)
    frame = pd.DataFrame(
        {
            "ts": market.ts[t],
            "symbol": np.asarray(market.symbols, dtype=object)[j],
            **{c: getattr(market, c)[t, j] for c in ("open", "high", "low", "close", "volume")},
        }
    )
    return conform(frame.sort_values(["symbol", "ts"], kind="stable"), "bars")


def _named(scenarios: Sequence[Scenario | str] | Mapping[str, Scenario]) -> dict[str, Scenario]:
    items = (
        list(scenarios.items())
        if isinstance(scenarios, Mapping)
        else [(s if isinstance(s, str) else s.name, s) for s in scenarios]
    )
    out: dict[str, Scenario] = {}
    for label, s in items:
        if label == "base" or label in out:
            raise ConfigError(
                f"scenario label {label!r} is taken; pass a dict label -> scenario instead"
            )
        out[label] = get_scenario(s) if isinstance(s, str) else s
    return out


def simulate_scenarios(
    weights_or_strategy: pd.DataFrame | str,
    market: Market,
    scenarios: Sequence[Scenario | str] | Mapping[str, Scenario],
    costs: Costs | dict[str, Any] | None = None,
    *,
    initial_capital: float = 1e6,
    lag: int = 1,
    execution: Execution | dict[str, Any] | None = None,
    strategy_params: Mapping[str, Any] | None = None,
) -> dict[str, BacktestResult]:
    """Backtest the book on the base market and every scenario; see :func:`run_scenarios`."""
    runs = {"base": market} | {k: s.apply(market) for k, s in _named(scenarios).items()}
    out = {}
    for label, m in runs.items():
        if isinstance(weights_or_strategy, str):  # decided on the scenario's own prices
            strategy = get_strategy(weights_or_strategy)
            weights = strategy(market_bars(m), **dict(strategy_params or {}))
        else:
            weights = weights_or_strategy
        out[label] = simulate(weights, m, costs, initial_capital, lag, execution=execution)
    return out


def _breach_bars(result: BacktestResult, limits: Limits) -> dict[str, Any]:
    """Bars (days for max_daily_loss) on which each limit is exceeded; NA if not set."""
    eq = result.equity.to_numpy()
    peak = np.maximum.accumulate(np.maximum(eq, result.initial_capital))
    absw = result.weights.abs().to_numpy()
    day_end = result.equity.groupby(np.asarray(result.equity.index.normalize())).last()
    day_ret = day_end.to_numpy() / np.concatenate([[result.initial_capital], day_end[:-1]]) - 1
    value = {
        "max_drawdown": 1.0 - eq / peak,
        "max_gross_exposure": absw.sum(axis=1),
        "max_position_weight": absw.max(axis=1, initial=0.0),
        "max_daily_loss": -day_ret,
    }
    out: dict[str, Any] = {}
    for name in LIMIT_NAMES:
        limit = getattr(limits, name)
        out[name] = pd.NA if limit is None else int((value[name] > limit + _LIMIT_TOL).sum())
    return out


def scenario_table(results: Mapping[str, BacktestResult], limits: Limits | None) -> pd.DataFrame:
    """Summarise scenario runs: one row per run (see :func:`run_scenarios` for columns)."""
    lim = limits or Limits()
    rows = []
    for label, res in results.items():
        eq = res.equity
        peak = np.maximum.accumulate(np.maximum(eq.to_numpy(), res.initial_capital))
        tradable = res.market.tradable if res.market is not None else np.ones((len(eq), 1))
        has_bar = res.market.close if res.market is not None else np.ones((len(eq), 1))
        breaches = _breach_bars(res, lim)
        rows.append(
            {
                "scenario": label,
                "pnl": float(eq.iloc[-1] - res.initial_capital),
                "pnl_pct": float(eq.iloc[-1] / res.initial_capital - 1.0),
                "max_drawdown": float((eq.to_numpy() / peak - 1.0).min()),
                "worst_bar_return": float(res.returns.min()),
                "worst_bar": res.returns.idxmin(),
                "no_fill_bars": int((~np.asarray(tradable)).all(axis=1).sum()),
                "halted_symbol_bars": int((np.isfinite(has_bar) & ~tradable).sum()),
                **{f"{k}_breaches": v for k, v in breaches.items()},
                "breaches": ", ".join(k for k, v in breaches.items() if v is not pd.NA and v > 0),
            }
        )
    table = pd.DataFrame(rows).set_index("scenario")
    for name in LIMIT_NAMES:
        table[f"{name}_breaches"] = table[f"{name}_breaches"].astype("Int64")
    return table


def run_scenarios(
    weights_or_strategy: pd.DataFrame | str,
    market: Market,
    scenarios: Sequence[Scenario | str] | Mapping[str, Scenario],
    costs: Costs | dict[str, Any] | None = None,
    limits: Limits | dict[str, Any] | None = None,
    *,
    initial_capital: float = 1e6,
    lag: int = 1,
    execution: Execution | dict[str, Any] | None = None,
    strategy_params: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Backtest one book on the base market and under every scenario; tabulate the damage.

    Parameters
    ----------
    weights_or_strategy : DataFrame or str
        A weights table traded unchanged in every run, or a key of
        :data:`mi_kernel.backtest.STRATEGIES`: then each run's weights are computed from
        that run's (shocked) bars, the strategy using only data known at each ``ts``.
    market : Market
        The base market.
    scenarios : sequence of Scenario or str, or mapping label -> Scenario
        Scenarios (registry keys build with default parameters); labelled by ``name``.
    costs : Costs or dict, optional
        Cost configuration of every run (default ``Costs()``).
    limits : Limits or dict, optional
        Risk limits to check; none by default.
    initial_capital, lag, execution
        Passed to :func:`mi_kernel.backtest.simulate`.
    strategy_params : mapping, optional
        Parameters of the strategy.

    Returns
    -------
    DataFrame
        Index ``scenario`` ("base" first, then the scenarios in order). Columns: ``pnl``
        (currency) and ``pnl_pct`` (fraction of the initial capital) at the last bar;
        ``max_drawdown`` (<= 0, from the running peak incl. the initial capital);
        ``worst_bar_return`` and its ``worst_bar``; ``no_fill_bars`` (bars on which no
        symbol can fill); ``halted_symbol_bars`` (symbol-bars with a bar but no fills);
        ``<limit>_breaches`` per :class:`Limits` field (Int64: bars on which it is
        exceeded, days for ``max_daily_loss``; NA when the limit is not set) and
        ``breaches`` (the limits exceeded at least once, comma-separated).
    """
    lim = limits if isinstance(limits, Limits) or limits is None else Limits(**limits)
    results = simulate_scenarios(
        weights_or_strategy,
        market,
        scenarios,
        costs,
        initial_capital=initial_capital,
        lag=lag,
        execution=execution,
        strategy_params=strategy_params,
    )
    return scenario_table(results, lim)
