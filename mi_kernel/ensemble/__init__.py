"""Ensembles: blend the out-of-sample predictions of several models, walk-forward.

- :func:`stack_predictions` joins ``TrainedModel.oos`` tables into one wide table;
- blenders (scikit-learn regressors on the prediction columns): :class:`AverageBlender`
  (simple or fixed weights), :class:`ICWeightedBlender`, :class:`RidgeStacker`,
  :class:`TurnoverAwareBlender` (IC less turnover and weight-change penalties);
- :func:`walk_forward_blend` refits a blender on labels known before each refit date only;
- :func:`prediction_correlation`, :func:`disagreement`, :func:`score_turnover`: diversity
  and turnover;
- :class:`HierarchicalIC` (quadrature, or pymc NUTS): each signal's IC per group (sector,
  regime), shrunk toward
  the signal's mean, with credible intervals and ensemble weights; :func:`ic_table` feeds it.
"""

from __future__ import annotations

from mi_kernel.ensemble.bayes import HierarchicalIC, ic_table
from mi_kernel.ensemble.blenders import (
    AverageBlender,
    ICWeightedBlender,
    LinearBlender,
    RidgeStacker,
)
from mi_kernel.ensemble.diversity import disagreement, prediction_correlation, score_turnover
from mi_kernel.ensemble.optimized import TurnoverAwareBlender
from mi_kernel.ensemble.walk_forward import BlendResult, stack_predictions, walk_forward_blend

__all__ = [
    "AverageBlender",
    "BlendResult",
    "HierarchicalIC",
    "ICWeightedBlender",
    "LinearBlender",
    "RidgeStacker",
    "TurnoverAwareBlender",
    "disagreement",
    "ic_table",
    "prediction_correlation",
    "score_turnover",
    "stack_predictions",
    "walk_forward_blend",
]
