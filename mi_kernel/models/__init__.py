"""Models: registered estimators trained with purged walk-forward CV, explained, persisted.

``train(features, labels, "fwd_ret_5d", TrainConfig(estimator="ridge"))`` returns a
:class:`TrainedModel` with out-of-sample predictions and a model card; :func:`predict`
scores a feature table into signals; :func:`save` / :func:`load` persist a model folder.
:data:`ESTIMATORS` registers ridge, lasso, logistic, hgb, rf and lgbm; a ``fwd_up_*`` label
trains the key's classifier, wrapped in :class:`UpProbability` (predicts P(up) - 0.5).
:class:`CrossSectionalScaler` ranks or z-scores features within each date.
"""

from __future__ import annotations

from mi_kernel.models.classifier import UpProbability
from mi_kernel.models.config import TrainConfig
from mi_kernel.models.evaluate import daily_ic
from mi_kernel.models.explain import contributions
from mi_kernel.models.persist import load, save
from mi_kernel.models.predict import predict
from mi_kernel.models.preprocessing import CrossSectionalScaler
from mi_kernel.models.registry import ESTIMATORS, make_estimator
from mi_kernel.models.train import train
from mi_kernel.models.trained import TrainedModel

__all__ = [
    "ESTIMATORS",
    "CrossSectionalScaler",
    "TrainConfig",
    "TrainedModel",
    "UpProbability",
    "contributions",
    "daily_ic",
    "load",
    "make_estimator",
    "predict",
    "save",
    "train",
]
