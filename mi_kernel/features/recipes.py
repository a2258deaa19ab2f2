"""Declarative feature recipes: a registry of named, versioned lists of feature specs.

A :class:`FeatureSpec` names a numeric kernel (:class:`FeatureKind`) and its window; the
kernels themselves live in :mod:`mi_kernel.features.kernels`. Adding a recipe is adding an
entry to :data:`RECIPES`, no code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from mi_kernel.errors import ConfigError

RANK_SUFFIX = "_rank"


class FeatureKind(StrEnum):
    """Which kernel computes a feature (see :mod:`mi_kernel.features.kernels`)."""

    MOMENTUM = "momentum"
    VOLATILITY = "volatility"
    ZSCORE = "zscore"
    BETA = "beta"


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of a recipe.

    Attributes
    ----------
    name : str
        Column name in the feature table.
    description : str
        One line for people, with units.
    lookback : int
        Sessions of history before ``t`` the value needs; it is NaN for a symbol's first
        ``lookback`` sessions.
    kind : FeatureKind
        Kernel that computes it.
    window : int
        Kernel window in own sessions.
    skip : int
        Most recent sessions skipped (momentum only), e.g. 21 for 12-1 momentum.
    """

    name: str
    description: str
    lookback: int
    kind: FeatureKind
    window: int
    skip: int = 0


@dataclass(frozen=True)
class Recipe:
    """A named, versioned list of features; ``ranks`` adds a cross-sectional rank of each."""

    name: str
    version: str
    features: tuple[FeatureSpec, ...]
    ranks: bool = True
    description: str = ""

    @property
    def columns(self) -> list[str]:
        """Feature columns the recipe produces, in output order."""
        names = [f.name for f in self.features]
        return names + ([n + RANK_SUFFIX for n in names] if self.ranks else [])


def momentum(window: int, skip: int = 0, name: str | None = None) -> FeatureSpec:
    """Spec of the simple return close[t-skip] / close[t-window] - 1 over own sessions."""
    what = f"{window}-session return" + (f" skipping the last {skip}" if skip else "")
    return FeatureSpec(
        name or f"mom_{window}", f"{what} (fraction)", window, FeatureKind.MOMENTUM, window, skip
    )


def volatility(window: int) -> FeatureSpec:
    """Spec of the sample std (ddof=1) of the last ``window`` daily log returns."""
    return FeatureSpec(
        f"vol_{window}",
        f"std of the last {window} daily log returns (per session, not annualised)",
        window,
        FeatureKind.VOLATILITY,
        window,
    )


def zscore(window: int) -> FeatureSpec:
    """Spec of (close - mean) / std (ddof=1) of the last ``window`` closes including t."""
    return FeatureSpec(
        f"mr_z_{window}",
        f"z-score of the close vs the mean and std of the last {window} closes",
        window - 1,
        FeatureKind.ZSCORE,
        window,
    )


def beta(window: int) -> FeatureSpec:
    """Spec of the rolling OLS beta of daily simple returns on the market's."""
    return FeatureSpec(
        f"beta_{window}",
        f"beta of the last {window} daily simple returns on the market's",
        window,
        FeatureKind.BETA,
        window,
    )


#: Registry of recipes: recipe id -> :class:`Recipe`.
RECIPES: dict[str, Recipe] = {
    "core": Recipe(
        name="core",
        version="1.0",
        features=(
            momentum(5),
            momentum(20),
            momentum(60),
            momentum(252, skip=21, name="mom_12_1"),
            volatility(20),
            volatility(60),
            zscore(20),
            beta(60),
        ),
        ranks=True,
        description="momentum, volatility, mean reversion and beta, with cross-sectional ranks",
    ),
}


def get_recipe(recipe_id: str) -> Recipe:
    """Return the registered recipe ``recipe_id``; raise ConfigError listing known ids."""
    try:
        return RECIPES[recipe_id]
    except KeyError:
        raise ConfigError(
            f"unknown feature recipe {recipe_id!r}; choose from {sorted(RECIPES)} "
            "or register one in mi_kernel.features.RECIPES"
        ) from None


def recipe_info(recipe_id: str) -> pd.DataFrame:
    """Describe a recipe for display: one row per output column.

    Returns
    -------
    DataFrame
        Columns ``name``, ``description``, ``lookback`` (sessions of history needed) and
        ``kind``; the rank columns are listed after the raw features.
    """
    recipe = get_recipe(recipe_id)
    rows = [
        {"name": f.name, "description": f.description, "lookback": f.lookback, "kind": str(f.kind)}
        for f in recipe.features
    ]
    if recipe.ranks:
        rows += [
            {
                "name": f.name + RANK_SUFFIX,
                "description": f"cross-sectional percentile rank of {f.name} by date, in [0, 1]",
                "lookback": f.lookback,
                "kind": "rank",
            }
            for f in recipe.features
        ]
    return pd.DataFrame(rows, columns=["name", "description", "lookback", "kind"])
