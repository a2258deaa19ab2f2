"""Declarative feature recipes: a registry of named, versioned lists of feature specs.

A recipe is data: its :class:`~mi_kernel.features.specs.FeatureSpec` list, which
cross-sectional transforms to add (ranks, winsorised z-scores, sector-neutral z-scores) and,
derived from those, the inputs it needs (:attr:`Recipe.inputs`). Adding a recipe is adding
an entry to :data:`RECIPES`, no code.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.features import specs as S
from mi_kernel.features.specs import (
    FUNDAMENTAL_KINDS,
    MACRO_KINDS,
    NEWS_KINDS,
    VOLUME_KINDS,
    FeatureKind,
    FeatureSpec,
)

RANK_SUFFIX = "_rank"
Z_SUFFIX = "_z"
SN_SUFFIX = "_sn"

__all__ = ["RECIPES", "FeatureKind", "FeatureSpec", "Recipe", "get_recipe", "recipe_info"]


@dataclass(frozen=True)
class Recipe:
    """A named, versioned list of features and the cross-sectional transforms to add.

    Attributes
    ----------
    name, version : str
        Identity of the recipe; bump ``version`` whenever a definition changes
        (:attr:`digest` changes with any spec, so a forgotten bump is detectable).
    features : tuple of FeatureSpec
        Raw features, in output order.
    ranks : bool
        Add ``<feature>_rank``: percentile rank across symbols by date, in [0, 1].
    description : str
        One line for people.
    zscores : bool
        Add ``<feature>_z``: z-score across symbols by date, clipped to +-``winsor``.
    sector_neutral : bool
        Add ``<feature>_sn``: that clipped z-score minus its sector's mean on the date
        (needs the ``sectors`` input).
    winsor : float
        Clip of the cross-sectional z-scores, in standard deviations.

    Macro features are the same for every symbol and get no cross-sectional transform.
    """

    name: str
    version: str
    features: tuple[FeatureSpec, ...]
    ranks: bool = True
    description: str = ""
    zscores: bool = False
    sector_neutral: bool = False
    winsor: float = 3.0

    @property
    def cross_sectional(self) -> list[str]:
        """Raw features that get the cross-sectional transforms."""
        return [f.name for f in self.features if f.cross_sectional]

    @property
    def transforms(self) -> list[tuple[str, str]]:
        """(suffix, kind) of each cross-sectional transform, in output order."""
        out = [(RANK_SUFFIX, "rank")] if self.ranks else []
        out += [(Z_SUFFIX, "cs_zscore")] if self.zscores else []
        return out + ([(SN_SUFFIX, "sector_neutral")] if self.sector_neutral else [])

    @property
    def columns(self) -> list[str]:
        """Feature columns the recipe produces, in output order."""
        names = [f.name for f in self.features]
        return names + [n + sfx for sfx, _ in self.transforms for n in self.cross_sectional]

    @property
    def macro_sources(self) -> tuple[str, ...]:
        """Keys of the ``macro`` input the recipe reads, in first-use order."""
        return tuple(dict.fromkeys(f.source for f in self.features if f.kind in MACRO_KINDS))

    @property
    def inputs(self) -> tuple[str, ...]:
        """Inputs beyond bar closes that the recipe needs, e.g. ``"macro['ff']"``."""
        kinds = {f.kind for f in self.features}
        out = ["volume"] if kinds & VOLUME_KINDS else []
        out += ["fundamentals"] if kinds & FUNDAMENTAL_KINDS else []
        out += ["sectors"] if self.sector_neutral else []
        out += ["news"] if kinds & NEWS_KINDS else []
        return (*out, *(f"macro[{s!r}]" for s in self.macro_sources))

    @property
    def digest(self) -> str:
        """Short sha256 of every definition in the recipe (for lineage)."""
        text = repr([asdict(f) for f in self.features])
        text += repr((self.ranks, self.zscores, self.sector_neutral, self.winsor))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


_TECHNICAL = (
    S.momentum(5),
    S.momentum(20),
    S.momentum(60),
    S.momentum(120),
    S.momentum(252),
    S.momentum(252, skip=21, name="mom_12_1"),
    S.reversal(1),
    S.reversal(5, skip=1),
    S.volatility(20),
    S.volatility(60),
    S.downside_vol(60),
    S.rsi(14),
    *S.macd(12, 26, 9),
    S.volume_z(20),
    S.amihud(20),
    S.beta(60),
    S.idio_vol(60),
)
_FUNDAMENTAL = tuple(S.fundamental(k) for k in S.FUNDAMENTAL_ORDER)
#: Fama-French monthly factors (mi_kernel.data.load_factors(), stamped at month end).
_FF = tuple(S.macro_level("ff", c, 45) for c in ("MktRF", "SMB", "HML", "Mom", "RF"))
#: Factor-ETF closes (mi_kernel.data.load_bars("factor_etfs")).
_ETF = tuple(
    S.macro_return("etf", c, w, 7)
    for c in ("MTUM", "QUAL", "SIZE", "USMV", "VLUE")
    for w in (1, 20)
)

K = FeatureKind
_NEWS = (
    S.news(K.NEWS_SENT, 5),
    *(S.news(k, w) for w in (5, 20) for k in (K.NEWS_COUNT, K.NEWS_EVENTS, K.NEWS_NOVELTY)),
    S.news(K.NEWS_ATTENTION, 5, baseline=60),
)

_CORE = (
    S.momentum(5),
    S.momentum(20),
    S.momentum(60),
    S.momentum(252, skip=21, name="mom_12_1"),
    S.volatility(20),
    S.volatility(60),
    S.zscore(20),
    S.beta(60),
)

#: Registry of recipes: recipe id -> :class:`Recipe`.
RECIPES: dict[str, Recipe] = {
    "core": Recipe(
        name="core",
        version="1.0",
        features=_CORE,
        ranks=True,
        description="momentum, volatility, mean reversion and beta, with cross-sectional ranks",
    ),
    "technical": Recipe(
        name="technical",
        version="1.0",
        features=_TECHNICAL,
        zscores=True,
        description="momentum, reversal, volatility, RSI, MACD, volume, illiquidity, beta and "
        "idiosyncratic volatility, with cross-sectional ranks and winsorised z-scores",
    ),
    "fundamental": Recipe(
        name="fundamental",
        version="1.0",
        features=_FUNDAMENTAL,
        zscores=True,
        sector_neutral=True,
        description="size, value (B/P, E/P, S/P), quality (ROE) and growth from reports as of "
        "the day they became known; ranks, z-scores and sector-neutral z-scores",
    ),
    "macro": Recipe(
        name="macro",
        version="1.0",
        features=_FF + _ETF,
        ranks=False,
        description="Fama-French factors and factor-ETF returns as of each date "
        "(macro={'ff': load_factors(), 'etf': load_bars('factor_etfs')})",
    ),
    "news": Recipe(
        name="news",
        version="1.0",
        features=_NEWS,
        ranks=False,
        description="news sentiment, story and event counts, novelty and abnormal attention, "
        "each story from the first bar at or after it was known (news=<signals of "
        "mi_kernel.news.analyze>)",
    ),
    "core_news": Recipe(
        name="core_news",
        version="1.0",
        features=_CORE + _NEWS,
        ranks=True,
        description="the core recipe's price features and the news recipe's story features "
        "side by side, all with cross-sectional ranks (news=<signals of "
        "mi_kernel.news.analyze>)",
    ),
}


def get_recipe(recipe_id: str | Recipe) -> Recipe:
    """Return the registered recipe ``recipe_id`` (a Recipe passes through).

    Raises
    ------
    ConfigError
        Unknown id, listing the known ones.
    """
    if isinstance(recipe_id, Recipe):
        return recipe_id
    try:
        return RECIPES[recipe_id]
    except KeyError:
        raise ConfigError(
            f"unknown feature recipe {recipe_id!r}; choose from {sorted(RECIPES)} "
            "or register one in mi_kernel.features.RECIPES"
        ) from None


def recipe_info(recipe_id: str | Recipe) -> pd.DataFrame:
    """Describe a recipe for display: one row per output column.

    Returns
    -------
    DataFrame
        Columns ``name``, ``description``, ``lookback`` (sessions of history needed) and
        ``kind``; the transformed columns are listed after the raw features.
    """
    recipe = get_recipe(recipe_id)
    rows = [
        {"name": f.name, "description": f.description, "lookback": f.lookback, "kind": str(f.kind)}
        for f in recipe.features
    ]
    what = {
        "rank": "cross-sectional percentile rank of {} by date, in [0, 1]",
        "cs_zscore": "cross-sectional z-score of {} by date, clipped to +-" + f"{recipe.winsor:g}",
        "sector_neutral": "z-score of {} minus its sector's mean z-score on the date",
    }
    lookback = {f.name: f.lookback for f in recipe.features}
    rows += [
        {
            "name": name + sfx,
            "description": what[kind].format(name),
            "lookback": lookback[name],
            "kind": kind,
        }
        for sfx, kind in recipe.transforms
        for name in recipe.cross_sectional
    ]
    return pd.DataFrame(rows, columns=["name", "description", "lookback", "kind"])
