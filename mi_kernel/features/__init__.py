"""Features: declarative recipes of as-of-date factors over a bars panel, without look-ahead.

``compute_features(bars, "technical")`` returns the long ``features`` table;
``compute_panel(to_panel(bars), "technical")`` the same values as an xarray panel (time x
symbol), NumPy- or Dask-backed. :data:`RECIPES` holds the named, versioned recipes
(``core``, ``technical``, ``fundamental``, ``macro``; add one there) and :func:`recipe_info`
describes one. Fundamentals, sectors and macro series reach a recipe through keyword inputs
and are used only from the time they became known; :func:`check_no_lookahead` checks any
feature function for leakage, and :func:`feature_report` diagnoses a feature set.
"""

from __future__ import annotations

from mi_kernel.features.compute import compute_features
from mi_kernel.features.cross_section import percentile_rank, sector_neutralise, zscore
from mi_kernel.features.dataset import compute_panel, from_panel, to_panel
from mi_kernel.features.diagnostics import FeatureReport, feature_report, redundancy
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
    "FeatureReport",
    "FeatureSpec",
    "Recipe",
    "check_no_lookahead",
    "compute_features",
    "compute_panel",
    "feature_report",
    "from_panel",
    "get_recipe",
    "percentile_rank",
    "recipe_info",
    "redundancy",
    "sector_neutralise",
    "to_long",
    "to_panel",
    "to_wide",
    "zscore",
]
