"""Models: registered estimators trained with purged walk-forward CV, explained, persisted.

``train(features, labels, "fwd_ret_5d", TrainConfig(estimator="ridge"))`` returns a
:class:`TrainedModel` with out-of-sample predictions and a model card; :func:`predict`
scores a feature table into signals; :func:`save` / :func:`load` persist a model folder.
"""

from __future__ import annotations

from mi_kernel.models.config import TrainConfig
from mi_kernel.models.evaluate import daily_ic
from mi_kernel.models.explain import contributions
from mi_kernel.models.persist import load, save
from mi_kernel.models.predict import predict
from mi_kernel.models.registry import ESTIMATORS, make_estimator
from mi_kernel.models.train import train
from mi_kernel.models.trained import TrainedModel

__all__ = [
    "ESTIMATORS",
    "TrainConfig",
    "TrainedModel",
    "contributions",
    "daily_ic",
    "load",
    "make_estimator",
    "predict",
    "save",
    "train",
]
