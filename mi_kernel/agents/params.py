"""Frozen parameter models, one per agent notebook.

A notebook's ``parameters`` cell holds JSON-able literals; its next cell validates them here,
so a typo or a bad value stops the notebook at once with a message naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AgentParams(BaseModel):
    """Parameters every agent takes: the run it joins (empty = an ad-hoc run) and its step name."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    run_id: str = ""
    runs_root: str = ""
    step: str

    @property
    def adhoc(self) -> bool:
        return not self.run_id

    @classmethod
    def from_cell(cls, namespace: Mapping[str, Any]) -> Self:
        """Validate the parameters a notebook's ``parameters`` cell set (pass ``globals()``).

        Only this model's fields are read from ``namespace``; a missing one takes its
        default (or fails validation when it has none).
        """
        return cls.model_validate({k: namespace[k] for k in cls.model_fields if k in namespace})


class IngestParams(AgentParams):
    source: str = "sp500_ohlcv"
    symbols: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None


class QualityParams(AgentParams):
    bars_uri: str


class FeaturesParams(AgentParams):
    bars_uri: str
    recipe_id: str = "core"
    label_def: str = "fwd_ret_5d"


class TrainingParams(AgentParams):
    features_uri: str
    label_def: str = "fwd_ret_5d"
    estimators: tuple[str, ...] = ("ridge", "hgb")
    features: tuple[str, ...] = ()
    n_splits: int = Field(5, ge=2)
    embargo: int = Field(0, ge=0)

    @field_validator("estimators")
    @classmethod
    def _some(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("name at least one estimator, e.g. ['ridge']")
        return v


class SignalsParams(AgentParams):
    selection_uri: str
    asof: str | None = None


class PortfolioParams(AgentParams):
    signals_ref_uri: str
    book: dict[str, Any]
    sector_source: str = "sp500_ohlcv"
    label_def: str = "fwd_ret_5d"
    costs: dict[str, Any] = Field(default_factory=dict)
    execution: dict[str, Any] = Field(default_factory=dict)
    scenarios: tuple[str, ...] = ()
    capital: float = Field(1e6, gt=0)


class ComplianceParams(AgentParams):
    targets_uri: str
    book: dict[str, Any]
    sector_source: str = "sp500_ohlcv"


class BacktestParams(AgentParams):
    selection_uri: str
    costs: dict[str, Any] = Field(default_factory=dict)
    execution: dict[str, Any] = Field(default_factory=dict)
    book: dict[str, Any] = Field(default_factory=dict)
    baselines: tuple[str, ...] = ("equal_weight",)
    oos_start: str | None = None  # first out-of-sample date of the in/out-of-sample split
    scenarios: tuple[str, ...] = ()


class ReportParams(AgentParams):
    pass


class RegimesParams(AgentParams):
    benchmark: str = "sp500"
    n_states: int = Field(2, ge=2, le=3)
    refit_every: int = Field(63, ge=5)
    min_train: int = Field(504, ge=60)


class ResearchParams(AgentParams):
    selection_uri: str
    features_uri: str
    regimes_uri: str = ""
    horizons: tuple[int, ...] = (1, 5, 21)
    n_quantiles: int = Field(5, ge=2)


class ExplainParams(AgentParams):
    selection_uri: str
    max_rows: int = Field(3000, ge=100)
    ablation_splits: int = Field(3, ge=2)


class EnsembleParams(AgentParams):
    selection_uri: str
    sector_source: str = "sp500_ohlcv"
    refit_every: int = Field(21, ge=1)
    min_history: int = Field(60, ge=1)
    turnover_penalty: float = Field(0.5, ge=0.0)
    stability_penalty: float = Field(0.5, ge=0.0)
    draws: int = Field(300, ge=50)
