"""Portfolio construction: signals to target weights, and risk-based allocations via skfolio."""

from __future__ import annotations

from mi_kernel.portfolio.construction import CONSTRUCTIONS, Construction, signals_to_weights
from mi_kernel.portfolio.optimize import OPTIMIZERS, Optimizer, make_optimizer, optimize

__all__ = [
    "CONSTRUCTIONS",
    "OPTIMIZERS",
    "Construction",
    "Optimizer",
    "make_optimizer",
    "optimize",
    "signals_to_weights",
]
