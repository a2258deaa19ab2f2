"""Regimes: a walk-forward Gaussian HMM with filtered probabilities and regime-aware weights.

``fit_market_regimes(data.load_benchmark("sp500"), n_states=3)`` returns a
:class:`RegimeResult` whose probabilities at t use only data up to t (forward algorithm,
states sorted by volatility: 0 = calm); :func:`regime_weights` turns daily signal ICs into
regime-conditional weights; :func:`regime_plot` draws the index over its regimes.
"""

from __future__ import annotations

from mi_kernel.regimes.features import market_features
from mi_kernel.regimes.filtering import forward_filter
from mi_kernel.regimes.hmm import GaussianRegimeHMM, HMMParams
from mi_kernel.regimes.plots import regime_plot
from mi_kernel.regimes.walk_forward import RegimeResult, fit_market_regimes, walk_forward_regimes
from mi_kernel.regimes.weights import RegimeWeights, regime_weights

__all__ = [
    "GaussianRegimeHMM",
    "HMMParams",
    "RegimeResult",
    "RegimeWeights",
    "fit_market_regimes",
    "forward_filter",
    "market_features",
    "regime_plot",
    "regime_weights",
    "walk_forward_regimes",
]
