"""Fundamental ratios, point in time: each report is used only from the day it became known.

The fundamentals table (schema ``fundamentals``) has ``ts`` = fiscal period end and
``ts_known`` = when the figures became public. :func:`prepare_fundamentals` derives, per
report, trailing-four-quarter flows and year-on-year growth, and the time ``known`` from
which the derived row may be used: the latest ``ts_known`` of its quarter and every earlier
one (a figure is never used before all the reports it draws on are public).
:func:`fundamental_panels` then joins the rows onto dates *as of* ``known`` (backward:
a row is usable at ``t`` only if ``known <= t``), and the ratios divide by the market cap
``close[t] x shares`` of the latest known report.

Restatements (a second row for the same symbol and period) are ignored: the first published
figures are kept ("as first reported"), which never leaks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError
from mi_kernel.features.panel import Array
from mi_kernel.features.specs import FeatureKind, FeatureSpec
from mi_kernel.schemas.tables import to_utc

_VALUES = ("book_value", "earnings", "sales", "shares")
_DERIVED = ("book_value", "shares", "ttm_earnings", "ttm_sales", "growth")
#: Four quarters are consecutive if the first and last period ends are at most this far apart.
_TTM_SPAN = pd.Timedelta(days=300)
#: The year-earlier quarter ends this many days (inclusive) before the latest one.
_YOY_SPAN = (pd.Timedelta(days=350), pd.Timedelta(days=380))


def prepare_fundamentals(table: pd.DataFrame) -> pd.DataFrame:
    """Derive per-report values and the time they became usable.

    Parameters
    ----------
    table : DataFrame
        Fundamentals: ``ts``, ``ts_known``, ``symbol``, ``book_value``, ``earnings`` and
        ``sales`` (quarterly flows, currency) and ``shares``.

    Returns
    -------
    DataFrame
        One row per symbol and period, sorted by (symbol, known, ts): ``symbol``, ``ts``,
        ``known`` (naive UTC), ``book_value``, ``shares``, ``ttm_earnings`` and ``ttm_sales``
        (sums of the last four consecutive quarters, NaN otherwise) and ``growth``
        ((earnings - earnings a year earlier) / |earnings a year earlier|).

    Raises
    ------
    DataError
        Missing columns or unparseable timestamps.
    """
    missing = [c for c in ("ts", "ts_known", "symbol", *_VALUES) if c not in table.columns]
    if missing:
        raise DataError(
            f"fundamentals lack column(s) {missing}; pass a table in the 'fundamentals' "
            f"schema (it has {list(table.columns)})"
        )
    try:
        df = pd.DataFrame(
            {
                "symbol": table["symbol"].astype(str).to_numpy(),
                "ts": _naive_utc(table["ts"]),
                "ts_known": _naive_utc(table["ts_known"]),
                **{c: pd.to_numeric(table[c]).astype("float64").to_numpy() for c in _VALUES},
            }
        )
    except (TypeError, ValueError) as exc:
        raise DataError(f"fundamentals have unusable values: {exc}; fix the table") from exc
    df = df.dropna(subset=["ts", "ts_known"])
    df = df.sort_values(["symbol", "ts", "ts_known"], kind="stable")
    df = df.drop_duplicates(["symbol", "ts"], keep="first").reset_index(drop=True)
    by = df.groupby("symbol", sort=False)
    df["known"] = by["ts_known"].cummax()
    span3 = df["ts"] - by["ts"].shift(3)
    for flow in ("earnings", "sales"):
        total = sum(by[flow].shift(k) for k in range(1, 4)) + df[flow]
        df[f"ttm_{flow}"] = total.where(span3 <= _TTM_SPAN)
    prev, span4 = by["earnings"].shift(4), df["ts"] - by["ts"].shift(4)
    yoy = span4.between(*_YOY_SPAN) & (prev != 0)
    df["growth"] = ((df["earnings"] - prev) / prev.abs()).where(yoy)
    out = df[["symbol", "ts", "known", *_DERIVED]]
    return out.sort_values(["symbol", "known", "ts"], kind="stable").reset_index(drop=True)


def _naive_utc(values: pd.Series) -> np.ndarray:
    """Timestamps as naive datetime64[ns] in UTC (naive input is taken as UTC)."""
    return to_utc(values).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def fundamental_panels(
    derived: pd.DataFrame, dates: pd.DatetimeIndex, symbols: Sequence[str]
) -> dict[str, Array]:
    """Join derived reports onto a date x symbol grid, as of ``known`` (backward).

    Returns
    -------
    dict of str to ndarray, shape (n_dates, n_symbols)
        ``book_value``, ``shares``, ``ttm_earnings``, ``ttm_sales``, ``growth``: the values
        of the latest row with ``known <= date``; NaN before a symbol's first report.
    """
    when = np.asarray(pd.DatetimeIndex(dates).asi8)
    out = {c: np.full((len(when), len(symbols)), np.nan) for c in _DERIVED}
    rows = derived.groupby("symbol", sort=False).indices
    known = derived["known"].to_numpy().astype("datetime64[ns]").view("int64")
    values = {c: derived[c].to_numpy() for c in _DERIVED}
    for j, sym in enumerate(symbols):
        pos = rows.get(sym)
        if pos is None:
            continue
        at = np.searchsorted(known[pos], when, side="right") - 1
        ok = at >= 0
        for c in _DERIVED:
            out[c][ok, j] = values[c][pos[at[ok]]]
    return out


def fundamental_features(
    specs: Sequence[FeatureSpec],
    derived: pd.DataFrame,
    close: Array,
    dates: pd.DatetimeIndex,
    symbols: Sequence[str],
) -> dict[str, Array]:
    """Compute fundamental ``specs`` on a date panel of closes (NaN where no bar)."""
    p = fundamental_panels(derived, dates, symbols)
    with np.errstate(divide="ignore", invalid="ignore"):
        mcap = np.where((close > 0) & (p["shares"] > 0), close * p["shares"], np.nan)
        ratio = {
            FeatureKind.SIZE: np.log(mcap),
            FeatureKind.BOOK_TO_PRICE: p["book_value"] / mcap,
            FeatureKind.EARNINGS_TO_PRICE: p["ttm_earnings"] / mcap,
            FeatureKind.SALES_TO_PRICE: p["ttm_sales"] / mcap,
            FeatureKind.ROE: np.where(
                p["book_value"] > 0, p["ttm_earnings"] / p["book_value"], np.nan
            ),
            FeatureKind.EARNINGS_GROWTH: p["growth"],
        }
    return {s.name: ratio[s.kind] for s in specs}
