"""The market an engine run trades in: raw bars, actions and trading conditions as arrays.

:class:`Market` holds (T, N) NumPy panels on one clock (the union of the bars' timestamps,
daily or intraday): raw OHLCV, corporate actions on their ex-dates, delistings, what is
tradable, the ADV and volatility known *before* each bar, and the shares available to borrow.
Scenarios (:mod:`mi_kernel.backtest.scenarios`) are functions ``Market -> Market``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.schemas.tables import validate

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Corporate actions the engine applies: split ratio, cash dividend, delisting return.
ENGINE_ACTIONS = ("split", "dividend", "delist")
#: Daily volatility assumed where no history exists yet (first bars of a listing).
DEFAULT_SIGMA = 0.02

SURVIVORSHIP_WARNING = (
    "SURVIVORSHIP BIAS: no point-in-time universe membership was given, so the backtest "
    "trades today's list of symbols over the whole history; results are biased upwards. "
    "Pass universe= (e.g. the synthetic_universe catalog entry) for a survivorship-free test."
)


@dataclass(frozen=True)
class Market:
    """Panels of one market on one clock (``ts`` x ``symbols``); see the module docstring.

    Attributes
    ----------
    open, high, low, close, volume : ndarray (T, N)
        Raw (unadjusted) bars; NaN prices and 0 volume where a symbol has no bar.
    split, dividend : ndarray (T, N)
        Split ratio (new shares per old, 1 = none) and cash dividend per share on ex-dates.
    delist, delist_ret : ndarray (T, N)
        True on a symbol's delisting bar; the return applied to its close there.
    tradable : ndarray of bool (T, N)
        Fills allowed: the symbol has a bar and is not halted, the venue is open.
    members : ndarray of bool (T, N)
        Point-in-time universe membership (all True when none was given).
    adv, sigma : ndarray (T, N)
        Average bar volume and return volatility over the ``window`` bars before ``t``.
    borrow : ndarray (T, N)
        Shares available to borrow (inf = unlimited, 0 = not shortable).
    years : ndarray (T,)
        Calendar time each bar covers, in years (borrow accrues on it).
    warnings : tuple of str
        Caveats a report must show (e.g. survivorship bias).
    """

    ts: pd.DatetimeIndex
    symbols: list[str]
    open: Array
    high: Array
    low: Array
    close: Array
    volume: Array
    split: Array
    dividend: Array
    delist: BoolArray
    delist_ret: Array
    tradable: BoolArray
    members: BoolArray
    adv: Array
    sigma: Array
    borrow: Array
    years: Array
    warnings: tuple[str, ...] = field(default=())

    @property
    def shape(self) -> tuple[int, int]:
        """(bars, symbols)."""
        return self.close.shape  # type: ignore[return-value]

    def replace(self, **changes: Any) -> Market:
        """Return a copy with some panels replaced (scenarios use this)."""
        return dataclasses.replace(self, **changes)

    def window(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> Market:
        """The bars in [start, end] (UTC bounds, None = open); history-based panels are kept."""
        keep = np.ones(len(self.ts), dtype=bool)
        if start is not None:
            keep &= self.ts >= start
        if end is not None:
            keep &= self.ts <= end
        if not keep.any():
            raise ConfigError(f"no bars between {start} and {end}; widen the window")
        rows = np.flatnonzero(keep)
        panels = {
            f.name: getattr(self, f.name)[rows]
            for f in dataclasses.fields(self)
            if f.name not in ("ts", "symbols", "warnings")
        }
        panels["years"] = panels["years"].copy()
        panels["years"][0] = 0.0
        return self.replace(ts=self.ts[rows], **panels)

    def panel(self, name: str) -> pd.DataFrame:
        """One panel as a DataFrame (ts x symbols)."""
        return pd.DataFrame(getattr(self, name), index=self.ts, columns=self.symbols)

    def total_return(self) -> Array:
        """Close-to-close total returns (T, N): splits and dividends included, 0 if unknown."""
        prev = _ffill(self.close)
        prev = np.vstack([np.full((1, prev.shape[1]), np.nan), prev[:-1]])
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (self.close * self.split + self.dividend) / prev - 1.0
        return np.where(np.isfinite(r), r, 0.0)

    @classmethod
    def from_bars(
        cls,
        bars: pd.DataFrame,
        actions: pd.DataFrame | None = None,
        universe: pd.DataFrame | None = None,
        borrow: float | pd.DataFrame = np.inf,
        window: int = 20,
        delist_missing: bool = True,
    ) -> Market:
        """Build a market from canonical tables.

        Parameters
        ----------
        bars : DataFrame
            Canonical bars with *raw* prices (ts, symbol, open, high, low, close, volume).
        actions : DataFrame, optional
            Canonical corporate actions (ts, symbol, action in split/dividend/delist, value).
            Actions of other symbols, or dated before the first or after the last bar of the
            clock, are left out (the table may cover more than the bars); an action inside
            the clock on a date without a bar raises :class:`~mi_kernel.errors.DataError`.
        universe : DataFrame, optional
            Point-in-time membership (symbol, start, end); without it the market carries
            :data:`SURVIVORSHIP_WARNING`.
        borrow : float or DataFrame, default inf
            Shares available to borrow: one number for all, or a wide panel (ts x symbol).
        window : int, default 20
            Bars of history for ADV and volatility (both use bars before ``t`` only).
        delist_missing : bool, default True
            Treat a symbol whose bars stop before the clock ends as delisted on its last bar.
        """
        validate(bars, "bars")
        ts, symbols, px = _bar_panels(bars)
        if window < 2:
            raise ConfigError(f"window must be at least 2 bars, got {window}")
        has_bar = np.isfinite(px["close"])
        volume = np.where(has_bar, np.nan_to_num(px["volume"], nan=0.0), 0.0)
        n_t, n_a = px["close"].shape
        split, dividend = np.ones((n_t, n_a)), np.zeros((n_t, n_a))
        delist, delist_ret = np.zeros((n_t, n_a), dtype=bool), np.zeros((n_t, n_a))
        if delist_missing and n_t:
            last = n_t - 1 - np.argmax(has_bar[::-1], axis=0)
            gone = has_bar.any(axis=0) & (last < n_t - 1)
            delist[last[gone], np.flatnonzero(gone)] = True
        if actions is not None and len(actions):
            _place_actions(actions, ts, symbols, split, dividend, delist, delist_ret)
        members, warnings = _membership(universe, ts, symbols)
        years = np.zeros(n_t)
        if n_t > 1:
            years[1:] = np.diff(ts.asi8) / (365.25 * 86_400e9)
        market = cls(
            ts=ts,
            symbols=symbols,
            open=px["open"],
            high=px["high"],
            low=px["low"],
            close=px["close"],
            volume=volume,
            split=split,
            dividend=dividend,
            delist=delist,
            delist_ret=delist_ret,
            tradable=has_bar,
            members=members,
            adv=np.zeros((n_t, n_a)),
            sigma=np.zeros((n_t, n_a)),
            borrow=_borrow(borrow, ts, symbols),
            years=years,
            warnings=warnings,
        )
        adv, sigma = trailing_liquidity(market, window)
        return market.replace(adv=adv, sigma=sigma)


def _bar_panels(bars: pd.DataFrame) -> tuple[pd.DatetimeIndex, list[str], dict[str, Array]]:
    """The clock, the symbols and the (T, N) OHLCV panels of a bars table (any row order).

    Each row is placed at its (ts, symbol) cell: the clock is the sorted union of the rows'
    timestamps, the symbols are sorted, cells without a row are NaN. This is what a pivot
    per field gives, without building a MultiIndex five times.
    """
    if bars["ts"].isna().any():
        raise DataError("bars have rows without a timestamp (NaT); run the quality gate first")
    row, stamps = pd.factorize(bars["ts"], sort=True)
    col, names = pd.factorize(bars["symbol"].astype(str), sort=True)
    n_t, n_a = len(stamps), len(names)
    flat = np.asarray(row, dtype=np.intp) * n_a + np.asarray(col, dtype=np.intp)
    seen = np.zeros(n_t * n_a, dtype=bool)
    seen[flat] = True
    if int(seen.sum()) != len(bars):
        raise DataError("bars have duplicate (ts, symbol) rows; run the quality gate first")
    px = {}
    for c in ("open", "high", "low", "close", "volume"):
        panel = np.full(n_t * n_a, np.nan)
        panel[flat] = bars[c].to_numpy(dtype="float64")
        px[c] = panel.reshape(n_t, n_a)
    return pd.DatetimeIndex(stamps, name="ts"), [str(s) for s in names], px


def trailing_liquidity(market: Market, window: int) -> tuple[Array, Array]:
    """ADV and daily volatility from the ``window`` bars *before* each bar (no look-ahead).

    Missing bars do not count; a symbol's first bar has no ADV (NaN: the engine uses the bar's
    own volume) and volatility falls back to the cross-sectional median, then
    :data:`DEFAULT_SIGMA`.
    """
    has_bar = np.isfinite(market.close)
    vol = pd.DataFrame(np.where(has_bar, market.volume, np.nan))
    adv = _before(vol.rolling(window, min_periods=1).mean().to_numpy())
    ret = pd.DataFrame(np.where(has_bar, market.total_return(), np.nan))
    sigma = _before(ret.rolling(window, min_periods=2).std().to_numpy())
    values = np.where(np.isnan(sigma), _row_median(sigma)[:, None], sigma)
    return adv, np.where(np.isnan(values), DEFAULT_SIGMA, values)


def _before(a: Array) -> Array:
    """Row ``t`` of the result is row ``t - 1`` of ``a`` (NaN first); C-ordered."""
    out = np.full(a.shape, np.nan)
    out[1:] = a[:-1]
    return out


def _row_median(a: Array) -> Array:
    """Median of each row's non-NaN values (NaN for none): ``np.nanmedian(a, axis=1)``.

    The same numbers (the middle value, or the mean of the two middle values), from one
    sort of the panel instead of a Python-level loop over its rows.
    """
    n = (~np.isnan(a)).sum(axis=1)
    ranked = np.sort(a, axis=1)  # NaN last
    rows = np.arange(a.shape[0])
    hi, lo = ranked[rows, n // 2], ranked[rows, (n - 1) // 2]  # n = 0: masked below
    with np.errstate(invalid="ignore"):  # inf and -inf in the middle: NaN, as nanmedian
        mid = (lo + hi) / 2
    return np.where(n > 0, np.where(n % 2 == 1, hi, mid), np.nan)


def _ffill(a: Array) -> Array:
    return pd.DataFrame(a).ffill().to_numpy()


def _place_actions(
    actions: pd.DataFrame,
    ts: pd.DatetimeIndex,
    symbols: list[str],
    split: Array,
    dividend: Array,
    delist: BoolArray,
    delist_ret: Array,
) -> None:
    validate(actions, "corporate_actions")
    unknown = sorted(set(actions["action"]) - set(ENGINE_ACTIONS))
    if unknown:
        raise DataError(f"unknown corporate actions {unknown}; the engine knows {ENGINE_ACTIONS}")
    col = {s: i for i, s in enumerate(symbols)}
    when = pd.DatetimeIndex(actions["ts"])
    on_clock = (when >= ts.min()) & (when <= ts.max())  # the table may span more than the bars
    known = actions[actions["symbol"].isin(col) & on_clock]
    row = ts.get_indexer(pd.DatetimeIndex(known["ts"]))
    off = known[row < 0]
    if len(off):
        first = off.iloc[0]
        raise DataError(
            f"{len(off)} corporate action(s) within the bars' dates fall on dates without a "
            f"bar, e.g. {first['symbol']} {first['action']} on {first['ts']:%Y-%m-%d}; align "
            "the action table to the bars' clock (or restore the missing bars)"
        )
    j = known["symbol"].map(col).to_numpy()
    value = known["value"].to_numpy(dtype="float64")
    for name in ENGINE_ACTIONS:
        m = (known["action"] == name).to_numpy()
        if name == "split":
            if (value[m] <= 0).any():
                raise DataError("split ratios must be positive (new shares per old share)")
            split[row[m], j[m]] *= value[m]
        elif name == "dividend":
            dividend[row[m], j[m]] += value[m]
        else:
            delist[row[m], j[m]] = True
            delist_ret[row[m], j[m]] = value[m]


def _membership(
    universe: pd.DataFrame | None, ts: pd.DatetimeIndex, symbols: list[str]
) -> tuple[BoolArray, tuple[str, ...]]:
    if universe is None:
        return np.ones((len(ts), len(symbols)), dtype=bool), (SURVIVORSHIP_WARNING,)
    validate(universe, "universe")
    members = np.zeros((len(ts), len(symbols)), dtype=bool)
    col = {s: i for i, s in enumerate(symbols)}
    stamps = ts.asi8
    for sym, start, end in universe[["symbol", "start", "end"]].itertuples(index=False):
        j = col.get(sym)
        if j is None:
            continue
        lo = pd.Timestamp(start).value
        hi = pd.Timestamp(end).value if pd.notna(end) else np.iinfo(np.int64).max
        members[:, j] |= (stamps >= lo) & (stamps < hi)
    return members, ()


def _borrow(borrow: float | pd.DataFrame, ts: pd.DatetimeIndex, symbols: list[str]) -> Array:
    if isinstance(borrow, pd.DataFrame):
        panel = borrow.reindex(index=ts, columns=symbols).ffill()
        return panel.fillna(np.inf).to_numpy(dtype="float64")
    if borrow < 0:
        raise ConfigError(f"borrow must be >= 0 shares, got {borrow}")
    return np.full((len(ts), len(symbols)), float(borrow))
