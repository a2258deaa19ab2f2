"""Features: declarative recipes of as-of-date factors over a bars table, without look-ahead.

``compute_features(bars, "core")`` returns the long ``features`` table; :data:`RECIPES`
holds the recipes (add one there), :func:`recipe_info` describes one for display, and
:func:`check_no_lookahead` checks any feature function for leakage.
"""

from __future__ import annotations

from mi_kernel.features.compute import compute_features
from mi_kernel.features.leakage import check_no_lookahead
from mi_kernel.features.panel import to_long, to_wide
from mi_kernel.features.recipes import (
    RECIPES,
    FeatureKind,
    FeatureSpec,
    Recipe,
    get_recipe,
    recipe_info,
)

__all__ = [
    "RECIPES",
    "FeatureKind",
    "FeatureSpec",
    "Recipe",
    "check_no_lookahead",
    "compute_features",
    "get_recipe",
    "recipe_info",
    "to_long",
    "to_wide",
]
