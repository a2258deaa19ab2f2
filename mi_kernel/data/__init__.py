"""Data: the source registry, the Intake catalog and loaders returning canonical tables.

Every loader reads through ``catalog.yml`` (:func:`mi_kernel.data.catalog.read`), so what a
notebook reads is exactly what the catalog declares, and every read is reported to the read
observers of the current context (:func:`observe_reads`; the run store records a run's inputs
this way). Nothing here uses the network.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mi_kernel.data.actions import adjust_bars, recover_actions
from mi_kernel.data.catalog import catalog_path, open_catalog, read
from mi_kernel.data.observe import DatasetRead, ReadObserver, add_read_observer, observe_reads
from mi_kernel.data.sources import SOURCES, DatasetInfo, get_source, register_source
from mi_kernel.data.text_sources import text_for
from mi_kernel.errors import ConfigError
from mi_kernel.schemas.tables import TableName

#: The universe (sectors, membership) source of each bars source that has one.
UNIVERSES = {"sp500_ohlcv": "sp500_sectors", "synthetic_bars": "synthetic_universe"}

#: The fundamentals source of each bars source that has one.
FUNDAMENTALS = {"synthetic_bars": "synthetic_fundamentals"}

#: The point-in-time membership source of each bars source that has one (sp500_sectors is a
#: static list of today's members, not point-in-time membership, so it is not one).
MEMBERSHIP = {"synthetic_bars": "synthetic_universe"}

#: The corporate-action table of each raw bars source that has one.
CORPORATE_ACTIONS = {
    "synthetic_bars": "synthetic_corporate_actions",
    "bokeh_ohlcv": "bokeh_corporate_actions",
}

#: Benchmarks by name: the catalog source and symbol holding their level.
BENCHMARKS = {"sp500": ("sp500_index", "SPX")}
#: How a page names each benchmark.
BENCHMARK_TITLES = {"sp500": "S&P 500"}


def _expect(source: str, table: TableName) -> None:
    kind = get_source(source).info.table
    if kind != table:
        raise ConfigError(f"source {source!r} holds {kind.value}, not {table.value}")


def dataset_info(source: str) -> DatasetInfo:
    """Return the provenance of ``source``: package, licence, frequency, adjustments, caveats."""
    return get_source(source).info


def list_sources() -> pd.DataFrame:
    """Return one row per source: name, title, table, frequency, coverage, package, licence."""
    cols = ["name", "title", "table", "frequency", "coverage", "package", "licence"]
    rows = [s.info.model_dump(mode="json", include=set(cols)) for s in SOURCES.values()]
    return pd.DataFrame(rows, columns=cols).sort_values("name").reset_index(drop=True)


def load_bars(
    source: str = "sp500_ohlcv",
    symbols: Sequence[str] | None = None,
    start: str | None = None,
    end: str | None = None,
) -> pd.DataFrame:
    """Load canonical bars (ts UTC, symbol, open, high, low, close, volume) from ``source``.

    ``symbols`` empty or None means every symbol; unknown symbols raise UnknownSymbolError.
    """
    _expect(source, TableName.BARS)
    return read(source, symbols=list(symbols or []) or None, start=start, end=end)


def list_symbols(source: str = "sp500_ohlcv") -> list[str]:
    """Return the sorted symbols a source has."""
    return sorted(read(source)["symbol"].unique())


def load_universe(source: str = "sp500_sectors") -> pd.DataFrame:
    """Load a universe table: symbol, start, end (membership [start, end)), sector."""
    _expect(source, TableName.UNIVERSE)
    return read(source)


def load_sectors(source: str = "sp500_ohlcv") -> pd.DataFrame:
    """Return symbol → sector (columns symbol, sector) for a bars source or a universe source."""
    universe = UNIVERSES.get(source, source)
    return load_universe(universe)[["symbol", "sector"]].drop_duplicates("symbol")


def load_fundamentals(source: str = "synthetic_bars") -> pd.DataFrame:
    """Return the fundamentals (ts = period end, ts_known = when public) of a bars source."""
    name = FUNDAMENTALS.get(source, source)
    if name not in SOURCES or get_source(name).info.table != TableName.FUNDAMENTALS:
        raise ConfigError(
            f"source {source!r} has no fundamentals; sources with fundamentals: "
            f"{', '.join(sorted(FUNDAMENTALS))}"
        )
    return read(name)


def load_membership(source: str) -> pd.DataFrame | None:
    """Return the point-in-time membership (symbol, start, end) of a bars source, or None."""
    name = MEMBERSHIP.get(source)
    return load_universe(name) if name else None


def load_actions(source: str) -> pd.DataFrame | None:
    """Return the corporate actions (ts, symbol, action, value) of a raw bars source, or None."""
    name = CORPORATE_ACTIONS.get(source)
    return read(name) if name else None


def load_macro() -> dict[str, pd.DataFrame]:
    """Return the macro inputs of the feature recipes: Fama-French factors and factor ETFs."""
    return {"ff": load_factors(), "etf": load_bars("factor_etfs")}


def load_benchmark(name: str = "sp500") -> pd.Series:
    """Return a benchmark's level as a Series on a UTC DatetimeIndex (e.g. the S&P 500 index)."""
    try:
        source, symbol = BENCHMARKS[name]
    except KeyError:
        raise ConfigError(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}") from None
    bars = read(source, symbols=[symbol])
    return bars.set_index("ts")["close"].rename(name)


def load_factors(source: str = "fama_french") -> pd.DataFrame:
    """Return factor returns wide: index ts (when known, UTC), one column per factor."""
    _expect(source, TableName.FACTORS)
    return read(source).pivot(index="ts", columns="factor", values="value")


__all__ = [
    "BENCHMARKS",
    "BENCHMARK_TITLES",
    "CORPORATE_ACTIONS",
    "MEMBERSHIP",
    "SOURCES",
    "DatasetInfo",
    "DatasetRead",
    "ReadObserver",
    "add_read_observer",
    "adjust_bars",
    "catalog_path",
    "dataset_info",
    "get_source",
    "list_sources",
    "list_symbols",
    "load_actions",
    "load_bars",
    "load_benchmark",
    "load_factors",
    "load_fundamentals",
    "load_macro",
    "load_membership",
    "load_sectors",
    "load_universe",
    "observe_reads",
    "open_catalog",
    "read",
    "recover_actions",
    "register_source",
    "text_for",
]
