"""TrainConfig: the frozen, serialisable configuration of one training run."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sklearn.base import BaseEstimator

from mi_kernel.labels import LabelKind
from mi_kernel.models.registry import make_estimator


class TrainConfig(BaseModel):
    """How to train one model (frozen; parse a dict with ``TrainConfig.model_validate``).

    Attributes
    ----------
    estimator : str
        Key of :data:`mi_kernel.models.ESTIMATORS` ("ridge", "lasso", "logistic", "hgb",
        "rf", "lgbm"); checked by :meth:`build` (ConfigError), which
        :func:`mi_kernel.models.train` calls first. The label decides the task: a
        ``fwd_ret_*`` label gets the key's regressor, a ``fwd_up_*`` label its classifier
        (predicting P(up) - 0.5).
    n_splits : int
        Walk-forward folds (>= 2).
    embargo : int
        Unique dates between each training window and its test block.
    min_train : int, optional
        Unique dates of the first training window; default n_dates // (n_splits + 1).
    expanding : bool
        Train each fold on all past dates (True) or a rolling window of ``min_train`` dates.
    refit_every : int
        Test blocks per refit (>= 1): with 2, each model is scored on two blocks.
    features : tuple of str, optional
        Feature columns to use; None = every float column of the feature table.
    name : str, optional
        Model name, the prefix of the model version; default the estimator key.
    purpose, owner : str
        What the model is for, and the business owner (the maker is whoever trains it).
    intended_use, limitations, risk_tier
        For the model inventory: the use it is approved for, its known limits, and its
        risk tier (low, medium, high), which sets how deep validation goes.
        Recorded on the model card.
    random_state : int
        The one randomness knob, passed to the estimator.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    estimator: str = "ridge"
    n_splits: int = Field(default=5, ge=2)
    embargo: int = Field(default=0, ge=0)
    min_train: int | None = Field(default=None, ge=1)
    expanding: bool = True
    refit_every: int = Field(default=1, ge=1)
    features: tuple[str, ...] | None = None
    name: str | None = None
    purpose: str = ""
    owner: str = "research"
    intended_use: str = "research: cross-sectional ranking of equities; not for live trading"
    limitations: tuple[str, ...] = ()
    risk_tier: Literal["low", "medium", "high"] = "medium"
    random_state: int = 0

    def build(self, kind: LabelKind | str = LabelKind.REGRESSION) -> BaseEstimator:
        """Return the unfitted estimator for labels of ``kind``.

        Raises
        ------
        ConfigError
            For an unknown key, or a key that does not support ``kind``.
        """
        return make_estimator(self.estimator, self.random_state, kind)
