"""Stress scenarios: ``Market -> Market`` plug-ins (the runner is :mod:`.stress`).

A scenario is a small frozen dataclass with one method, ``apply(market) -> Market``, that
returns a changed copy (the market given is never edited). Built-ins by registry key
(:data:`SCENARIOS`): ``gfc_2008`` and ``covid_2020`` (:class:`IndexShock`: the S&P 500's
daily returns over a historical drawdown replayed onto the bars), ``halt`` (:class:`Halt`),
``circuit_breaker`` (:class:`CircuitBreaker`), ``venue_outage`` (:class:`VenueOutage`) and
``covid_2020_breakers`` (the COVID replay, then circuit breakers: a :class:`Chain`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.backtest.market import Array, BoolArray, Market, trailing_liquidity
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas.tables import utc_bound

#: Historical S&P 500 drawdowns by name: (first close, last close), both included.
SHOCK_WINDOWS: dict[str, tuple[str, str]] = {
    "gfc_2008": ("2008-09-01", "2009-03-09"),
    "covid_2020": ("2020-02-19", "2020-03-23"),
}
#: Declines of the day (fractions) that trip circuit-breaker levels 1, 2 and 3 (US rules).
BREAKER_LEVELS = (0.07, 0.13, 0.20)
_FLOOR = 0.01  # lowest gross return (1 + r) of a shocked bar: prices stay positive


@runtime_checkable
class Scenario(Protocol):
    """A stress scenario: ``name`` labels its row in reports, ``apply`` is its one method."""

    @property
    def name(self) -> str:
        """Label of the scenario in reports."""
        ...

    def apply(self, market: Market) -> Market:
        """Return a changed copy of ``market``."""
        ...


# -- index shocks -------------------------------------------------------------------------
def index_returns(window: str, benchmark: str = "sp500") -> pd.Series:
    """Return the benchmark's daily returns over the named window of :data:`SHOCK_WINDOWS`.

    They run from the window's first close to its last (``closes - 1`` returns), so they
    compound to the index's move over the window (-47.0 % for ``gfc_2008``, -33.9 % for
    ``covid_2020``).
    """
    if window not in SHOCK_WINDOWS:
        raise ConfigError(f"unknown shock window {window!r}; known: {sorted(SHOCK_WINDOWS)}")
    lo, hi = (pd.Timestamp(d, tz="UTC") for d in SHOCK_WINDOWS[window])
    return _benchmark(benchmark).loc[lo:hi].pct_change().iloc[1:].rename(window)


def _benchmark(name: str) -> pd.Series:
    """The benchmark's level on its (daily, midnight UTC) dates, through the catalog."""
    from mi_kernel.data import load_benchmark  # lazily: only shocks need the data layer

    level = load_benchmark(name)
    return level.set_axis(pd.DatetimeIndex(level.index).normalize())


def _mean(a: Array, axis: int) -> Array:
    """Mean over ``axis`` ignoring NaN; NaN where there is no value (no warning)."""
    n = np.isfinite(a).sum(axis=axis)
    total = np.where(np.isfinite(a), a, 0.0).sum(axis=axis)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _valid_returns(market: Market) -> Array:
    """Total returns (T, N); NaN where the bar or every earlier close is missing."""
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
        Regress on the equal-weighted return of the member symbols, or on the benchmark's
        daily returns on the same dates (for markets that overlap its history).
    benchmark : str, default "sp500"
        Benchmark of :func:`mi_kernel.data.load_benchmark` for ``reference="benchmark"``.
    min_obs : int, default 20
        Symbols with fewer joint observations get beta 1.0 (the market's own).

    Returns
    -------
    ndarray (N,)
        OLS slope of each symbol's total return on the reference return.
    """
    lo = max(0, end - lookback)
    r = _valid_returns(market)[lo:end]
    if reference == "market":
        ref = _mean(np.where(market.members[lo:end], r, np.nan), axis=1)
    else:
        ref_s = _benchmark(benchmark).pct_change().reindex(market.ts[lo:end].normalize())
        ref = np.asarray(ref_s, dtype="float64")
    both = np.isfinite(r) & np.isfinite(ref)[:, None]
    n = both.sum(axis=0)
    x, y = np.where(both, ref[:, None], np.nan), np.where(both, r, np.nan)
    x, y = x - _mean(x, axis=0), y - _mean(y, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.nansum(x * y, axis=0) / np.nansum(x * x, axis=0)
    return np.where((n >= min_obs) & np.isfinite(beta), beta, 1.0)


def shock_multiplier(market: Market, start: int, shock: Array, betas: Array) -> Array:
    """Return the price multiplier (T, N) that adds ``betas * shock[k]`` to bar ``start + k``.

    The shock is added to each symbol's split-adjusted price return (a symbol without the
    bar gets it, compounded, on its next bar); gross returns are floored at 1 %. Bars after
    the shock keep the last multiplier, so their returns are the base market's.
    """
    n_t, n_a = market.shape
    mult = np.ones((n_t, n_a))
    prev = pd.DataFrame(market.close).ffill().to_numpy()[start - 1].copy()
    m, acc = np.ones(n_a), np.ones(n_a)
    for k, s in enumerate(shock):
        t = start + k
        acc *= 1.0 + s
        close = market.close[t]
        has = np.isfinite(close)
        with np.errstate(invalid="ignore", divide="ignore"):
            gross = close * market.split[t] / prev
        ok = has & np.isfinite(gross) & (gross > 0)
        shocked = np.maximum(gross + betas * (acc - 1.0), _FLOOR)
        m = np.where(ok, m * shocked / np.where(ok, gross, 1.0), m)
        acc, prev = np.where(has, 1.0, acc), np.where(has, close, prev)
        mult[t] = m
    mult[start + len(shock) :] = m
    return mult


@dataclass(frozen=True)
class IndexShock:
    """Replay the S&P 500's daily returns over a historical window onto the market.

    Over the ``L`` bars from ``start`` (default: the last ``L`` bars), each symbol's price
    return on bar ``start + k`` gets ``beta_i * R_k`` added: ``R_k`` is the index's ``k``-th
    return in the window (:func:`index_returns`), ``beta_i`` is estimated from bars before
    ``start`` only (:func:`estimate_betas`) unless ``beta`` fixes it. Open, high, low and
    close of every bar from ``start`` on are multiplied by one factor (shocked / raw
    close), so bars stay consistent and returns after the window are the base market's.
    Volume on shocked bars is multiplied by ``volume_factor`` (crisis volumes ran about
    twice normal); ADV and volatility are recomputed from ``start`` on (trailing
    ``liquidity_window`` bars). Corporate actions are untouched: dividends stay the same
    cash per share. The market gains a warning naming the replay.
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

    def apply(self, market: Market) -> Market:
        """Return the market with the window's index returns added from the first bar on."""
        if self.volume_factor <= 0:
            raise ConfigError(f"volume_factor must be positive, got {self.volume_factor}")
        shock = index_returns(self.window, self.benchmark)
        n_t, n = market.shape[0], len(shock)
        bound = utc_bound(self.start, "start")
        s = n_t - n if bound is None else int(market.ts.searchsorted(bound))
        if s < 1 or s + n > n_t:
            raise ConfigError(
                f"{self.window} needs {n} bars from start={self.start} and one before them; "
                f"the market has {n_t} ({market.ts[0]:%Y-%m-%d} .. {market.ts[-1]:%Y-%m-%d})"
            )
        betas = (
            estimate_betas(market, s, self.lookback, self.reference, self.benchmark)
            if self.beta is None
            else np.full(market.shape[1], float(self.beta))
        )
        mult = shock_multiplier(market, s, shock.to_numpy(dtype="float64"), betas)
        volume = market.volume.copy()
        volume[s : s + n] *= self.volume_factor
        note = (
            f"SCENARIO {self.window}: S&P 500 returns {shock.index[0]:%Y-%m-%d} .. "
            f"{shock.index[-1]:%Y-%m-%d} replayed onto bars {market.ts[s]:%Y-%m-%d} .. "
            f"{market.ts[s + n - 1]:%Y-%m-%d}; prices from there on are not history"
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
def _rows(market: Market, start: str | None, end: str | None, what: str) -> BoolArray:
    """Bars with ``start <= ts <= end`` (None = open-ended); an empty window is refused."""
    lo, hi = utc_bound(start, "start"), utc_bound(end, "end")
    rows = np.ones(market.shape[0], dtype=bool)
    rows &= (market.ts >= lo) if lo is not None else True
    rows &= (market.ts <= hi) if hi is not None else True
    if not rows.any():
        raise ConfigError(
            f"{what} window {start} .. {end} holds no bar of the market "
            f"({market.ts[0]:%Y-%m-%d} .. {market.ts[-1]:%Y-%m-%d})"
        )
    return rows


@dataclass(frozen=True)
class Halt:
    """Halt ``symbols`` from ``start`` to ``end`` (dates, both included): no fills there."""

    symbols: tuple[str, ...]
    start: str | None
    end: str | None
    name: ClassVar[str] = "halt"

    def apply(self, market: Market) -> Market:
        """Return the market with the symbols not tradable on the window's bars."""
        unknown = sorted(set(self.symbols) - set(market.symbols))
        if unknown or not self.symbols:
            raise DataError(f"halt names symbols without bars: {unknown or 'none given'}")
        cols = np.isin(market.symbols, self.symbols)
        rows = _rows(market, self.start, self.end, "halt")
        return market.replace(tradable=market.tradable & ~(rows[:, None] & cols[None, :]))


@dataclass(frozen=True)
class VenueOutage:
    """The venue is down from ``start`` to ``end`` (dates, both included): nothing fills."""

    start: str | None
    end: str | None
    name: ClassVar[str] = "venue_outage"

    def apply(self, market: Market) -> Market:
        """Return the market with no symbol tradable on the window's bars."""
        rows = _rows(market, self.start, self.end, "venue outage")
        return market.replace(tradable=market.tradable & ~rows[:, None])


def breaker_levels(market: Market, levels: Sequence[float] = BREAKER_LEVELS) -> NDArray[np.intp]:
    """Return the circuit-breaker level (0 = none) the day's decline has reached at each bar.

    The market's bar return is the equal-weighted total return of the members with a bar
    and a previous close; the day's decline compounds the bar returns of its calendar day
    (UTC) so far, the first bar's measured from the previous day's last close (on daily
    bars: the bar's own return). A level is reached when the decline is at least its
    threshold: -8 % reaches level 1, -6 % does not.
    """
    r = np.where(market.members, _valid_returns(market), np.nan)
    bar = pd.Series(np.nan_to_num(_mean(r, axis=1), nan=0.0) + 1.0)
    so_far = bar.groupby(np.asarray(market.ts.normalize())).cumprod().to_numpy() - 1.0
    thresholds = np.sort(np.asarray(levels, dtype="float64"))
    return (so_far[:, None] <= -thresholds[None, :] + 1e-12).sum(axis=1)


@dataclass(frozen=True)
class CircuitBreaker:
    """Market-wide trading halts on large declines of the day (US-style levels).

    Rule, with the day's decline of :func:`breaker_levels`: on the bar where the decline
    first reaches level 1 (-7 %) or level 2 (-13 %) in a day, nothing fills (the halt
    covers the rest of that bar); on the bar where it reaches level 3 (-20 %), that bar,
    the later bars of the day and the first bar after the day have no fills. On daily bars:
    a bar whose equal-weighted return is -7 % or worse has no fills, and at -20 % or worse
    the next bar has none either. The decline is measured at the close, so the rule assumes
    the threshold was crossed during the bar and cancels all of that bar's fills.
    """

    levels: tuple[float, float, float] = BREAKER_LEVELS
    name: ClassVar[str] = "circuit_breaker"

    def apply(self, market: Market) -> Market:
        """Return the market with the halted bars not tradable for any symbol."""
        if not all(0 < lv < 1 for lv in self.levels) or list(self.levels) != sorted(self.levels):
            raise ConfigError(f"levels must rise within (0, 1), got {self.levels}")
        level = breaker_levels(market, self.levels)
        day = np.asarray(market.ts.normalize())
        reached = pd.Series(level).groupby(day).cummax().to_numpy()  # each level once a day
        before = np.concatenate([[0], reached[:-1]])
        before[np.concatenate([[True], day[1:] != day[:-1]])] = 0  # each day starts at 0
        halted = level > before
        for t in np.flatnonzero((level >= 3) & (before < 3)):
            later = np.flatnonzero(day > day[t])
            halted[t : later[0] + 1 if later.size else len(day)] = True
        return market.replace(tradable=market.tradable & ~halted[:, None])


@dataclass(frozen=True)
class Chain:
    """Apply scenarios in order (e.g. a shock, then circuit breakers), labelled ``label``."""

    steps: tuple[Scenario, ...]
    label: str = ""

    @property
    def name(self) -> str:
        """``label``, or the steps' names joined by "+"."""
        return self.label or "+".join(s.name for s in self.steps)

    def apply(self, market: Market) -> Market:
        """Return the market after every step."""
        for step in self.steps:
            market = step.apply(market)
        return market


def _with_breakers(window: str, **params: Any) -> Chain:
    return Chain((IndexShock(window, **params), CircuitBreaker()), label=f"{window}_breakers")


#: Scenario registry: key -> factory ``(**params) -> Scenario``.
SCENARIOS: dict[str, Callable[..., Scenario]] = {
    "gfc_2008": partial(IndexShock, "gfc_2008"),
    "covid_2020": partial(IndexShock, "covid_2020"),
    "covid_2020_breakers": partial(_with_breakers, "covid_2020"),
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
