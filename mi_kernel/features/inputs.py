"""Inputs beyond the bars: fundamentals, sectors and macro series, checked against a recipe.

A recipe declares what it needs (:attr:`mi_kernel.features.recipes.Recipe.inputs`);
:func:`feature_inputs` normalises what the caller passed and raises :class:`ConfigError`
naming any missing input and how to get it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.features.fundamental import prepare_fundamentals
from mi_kernel.features.macro import prepare_macro
from mi_kernel.features.news import prepare_news
from mi_kernel.features.recipes import Recipe

_HOW = {
    "fundamentals": "fundamentals=<table in the 'fundamentals' schema>, e.g. "
    "mi_kernel.data.read('synthetic_fundamentals')",
    "sectors": "sectors=<symbol -> sector Series, or a table with symbol and sector>, e.g. "
    "mi_kernel.data.load_sectors() or mi_kernel.data.read('synthetic_universe')",
    "macro": "macro={name: frame}, e.g. {'ff': mi_kernel.data.load_factors(), "
    "'etf': mi_kernel.data.load_bars('factor_etfs')}",
    "news": "news=<one row per (story, symbol): ts_known, symbol, sentiment, relevance, "
    "novelty, is_event>, e.g. mi_kernel.news.analyze(...).signals",
}


@dataclass(frozen=True)
class FeatureInputs:
    """Normalised extra inputs of a feature computation.

    Attributes
    ----------
    fundamentals : DataFrame or None
        Per report, as known: see :func:`~mi_kernel.features.fundamental.prepare_fundamentals`.
    sectors : Series or None
        Sector name by symbol.
    macro : dict of str to DataFrame
        Wide frames by source name, index = UTC time the value became known.
    news : DataFrame or None
        News signals: see :func:`~mi_kernel.features.news.prepare_news`.
    """

    fundamentals: pd.DataFrame | None = None
    sectors: pd.Series | None = None
    macro: dict[str, pd.DataFrame] = field(default_factory=dict)
    news: pd.DataFrame | None = None


def feature_inputs(
    recipe: Recipe,
    fundamentals: pd.DataFrame | None = None,
    sectors: pd.Series | pd.DataFrame | None = None,
    macro: Mapping[str, pd.DataFrame | pd.Series] | None = None,
    news: pd.DataFrame | None = None,
) -> FeatureInputs:
    """Check that every input ``recipe`` needs is given; return them normalised.

    Raises
    ------
    ConfigError
        An input the recipe needs is missing (the message says how to pass it).
    DataError
        An input is malformed (missing columns, wrong types).
    """
    sources = dict(macro or {})
    given = {"fundamentals": fundamentals, "sectors": sectors, "news": news}
    for key in ("fundamentals", "sectors", "news"):
        if key in recipe.inputs and given[key] is None:
            raise ConfigError(f"recipe {recipe.name!r} needs input {key!r}; pass {_HOW[key]}")
    for name in recipe.macro_sources:
        if name not in sources:
            raise ConfigError(
                f"recipe {recipe.name!r} needs input macro[{name!r}] (got macro keys "
                f"{sorted(sources)}); pass {_HOW['macro']}"
            )
    return FeatureInputs(
        fundamentals=None if fundamentals is None else prepare_fundamentals(fundamentals),
        sectors=None if sectors is None else sector_series(sectors),
        macro=prepare_macro(sources),
        news=None if news is None else prepare_news(news),
    )


def sector_series(sectors: pd.Series | pd.DataFrame) -> pd.Series:
    """Return sector by symbol from a Series (index symbol) or a table with both columns."""
    if isinstance(sectors, pd.DataFrame):
        missing = [c for c in ("symbol", "sector") if c not in sectors.columns]
        if missing:
            raise DataError(
                f"sectors table lacks column(s) {missing}; pass columns symbol and sector "
                f"(it has {list(sectors.columns)})"
            )
        table = sectors.drop_duplicates("symbol", keep="last")
        return pd.Series(table["sector"].to_numpy(), index=table["symbol"].astype(str))
    if isinstance(sectors, pd.Series):
        return sectors.set_axis(sectors.index.astype(str))
    raise DataError(
        f"sectors must be a Series (symbol -> sector) or a DataFrame, got {type(sectors).__name__}"
    )
