"""Portfolio construction: covariance and expected returns, optimizers, constraints, frontier.

Signals become a book in two ways: :func:`signals_to_weights` (rank the scores, hold the
tails) or an optimizer of :data:`OPTIMIZERS` (mean-variance, risk parity, HRP, naive) fed by
a covariance of :data:`COVARIANCES` and expected returns (historical, equilibrium, signal-
implied, Black-Litterman), under the shared :class:`Constraints`.
"""

from __future__ import annotations

from mi_kernel.portfolio.book import BookResult, OptimizerSpec, build_book, optimized_weights
from mi_kernel.portfolio.constraints import Constraints, as_constraints, constraints_from_book
from mi_kernel.portfolio.construction import CONSTRUCTIONS, Construction, signals_to_weights
from mi_kernel.portfolio.decomposition import risk_decomposition
from mi_kernel.portfolio.definition import BookDefinition, as_book_definition
from mi_kernel.portfolio.estimators import (
    HRP,
    EqualWeight,
    InverseVolatility,
    MeanVariance,
    RiskParity,
)
from mi_kernel.portfolio.expected import (
    BlackLittermanResult,
    black_litterman,
    equilibrium_returns,
    historical_mean,
    ic_confidence,
    signal_expected_returns,
)
from mi_kernel.portfolio.frontier import efficient_frontier
from mi_kernel.portfolio.mean_variance import Solution, solve_mean_variance
from mi_kernel.portfolio.moments import (
    COVARIANCES,
    CovarianceName,
    FactorCovariance,
    estimate_covariance,
    make_covariance,
)
from mi_kernel.portfolio.optimize import OPTIMIZERS, Optimizer, make_optimizer, optimize
from mi_kernel.portfolio.qp import InfeasibleError, Objective

__all__ = [
    "CONSTRUCTIONS",
    "COVARIANCES",
    "HRP",
    "OPTIMIZERS",
    "BlackLittermanResult",
    "BookDefinition",
    "BookResult",
    "Constraints",
    "Construction",
    "CovarianceName",
    "EqualWeight",
    "FactorCovariance",
    "InfeasibleError",
    "InverseVolatility",
    "MeanVariance",
    "Objective",
    "Optimizer",
    "OptimizerSpec",
    "RiskParity",
    "Solution",
    "as_book_definition",
    "as_constraints",
    "black_litterman",
    "build_book",
    "constraints_from_book",
    "efficient_frontier",
    "equilibrium_returns",
    "estimate_covariance",
    "historical_mean",
    "ic_confidence",
    "make_covariance",
    "make_optimizer",
    "optimize",
    "optimized_weights",
    "risk_decomposition",
    "signal_expected_returns",
    "signals_to_weights",
    "solve_mean_variance",
]
