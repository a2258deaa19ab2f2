"""Frozen parameter models, one per agent notebook.

A notebook's ``parameters`` cell holds JSON-able literals; its next cell validates them here,
so a typo or a bad value stops the notebook at once with a message naming the parameter.
Each field's ``description`` is its help: ``mi pipelines`` prints it beside the pipeline
parameter of the same name, and :mod:`mi_kernel.pipeline.validate` checks a pipeline's
parameters against these types and bounds before a run starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.fields import FieldInfo

# Fields several agents share, described once.
LabelDef = Annotated[
    str,
    Field(
        description="what the models predict: fwd_ret_<N><d|w|m> (forward return, bps) or "
        "fwd_up_<N><d|w|m> (its sign), e.g. fwd_ret_5d"
    ),
]
SectorSource = Annotated[
    str,
    Field(description="bars or universe source whose sectors group the book and the ensemble"),
]
CostMapping = Annotated[
    dict[str, Any],
    Field(
        description="cost model of the backtests and the optimizer: every rate of "
        "backtest.Costs, or {base: default|zero, ...the rates that differ}; a partial mapping "
        "is refused"
    ),
]
ExecutionMapping = Annotated[
    dict[str, Any],
    Field(description="fill rules (backtest.Execution), e.g. {participation: 0.1}"),
]
BookMapping = Annotated[
    dict[str, Any],
    Field(
        description="the book (portfolio.BookDefinition): limits, construction, optimizer, "
        "risk policies"
    ),
]
ScenarioNames = Annotated[
    tuple[str, ...],
    Field(description="stress scenarios to replay on the book (keys of backtest.SCENARIOS)"),
]


def _explicit_costs(costs: dict[str, Any]) -> dict[str, Any]:
    """Refuse a partial cost mapping now, not in the middle of the notebook."""
    from mi_kernel.backtest.costs import explicit_costs  # the backtest stack loads lazily

    explicit_costs(costs)
    return costs


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
    source: str = Field(
        "sp500_ohlcv", description="bars source in catalog.yml (mi_kernel.data.SOURCES)"
    )
    symbols: tuple[str, ...] = Field(
        (), description="symbols to fetch; empty = every symbol of the source"
    )
    start: str | None = Field(
        None, description="first date (YYYY-MM-DD, inclusive); null = the source's first"
    )
    end: str | None = Field(
        None, description="last date (YYYY-MM-DD, inclusive); null = the source's last"
    )


class QualityParams(AgentParams):
    bars_uri: str


class FeaturesParams(AgentParams):
    bars_uri: str
    recipe_id: str = Field(
        "core", description="feature recipe (mi_kernel.features.RECIPES): core, technical, ..."
    )
    label_def: LabelDef = "fwd_ret_5d"
    news_uri: str = Field(
        "", description="the news step's signals, read by recipes with a news input only"
    )


class TrainingParams(AgentParams):
    features_uri: str
    label_def: LabelDef = "fwd_ret_5d"
    estimators: tuple[str, ...] = Field(
        ("ridge", "hgb"),
        description="candidate models (mi_kernel.models.ESTIMATORS: ridge, lasso, logistic, "
        "hgb, rf, lgbm); the best out-of-sample IC is selected",
    )
    features: tuple[str, ...] = Field(
        (), description="feature columns to train on; empty = every column of the recipe"
    )
    n_splits: int = Field(5, ge=2, description="walk-forward folds (>= 2)")
    embargo: int = Field(
        0, ge=0, description="sessions left out before each test block, besides the purge"
    )
    #: folds of the nested CV of the ridge penalty (outer walk-forward and inner k-fold);
    #: not a pipeline parameter, read by the validator to check the window is long enough
    nested_splits: int = Field(3, ge=2, description="folds of the nested CV (outer and inner)")

    @field_validator("estimators")
    @classmethod
    def _some(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("name at least one estimator, e.g. ['ridge']")
        return v


class SignalsParams(AgentParams):
    selection_uri: str
    asof: str | None = Field(
        None, description="date the signals are scored as of (YYYY-MM-DD); null = the last"
    )


class PortfolioParams(AgentParams):
    signals_ref_uri: str
    book: BookMapping
    sector_source: SectorSource = "sp500_ohlcv"
    label_def: LabelDef = "fwd_ret_5d"
    costs: CostMapping = Field(default_factory=lambda: {"base": "default"})
    execution: ExecutionMapping = Field(default_factory=dict)
    scenarios: ScenarioNames = ()
    capital: float = Field(1e6, gt=0, description="book size in currency")

    @field_validator("costs")
    @classmethod
    def _explicit(cls, costs: dict[str, Any]) -> dict[str, Any]:
        return _explicit_costs(costs)


class ComplianceParams(AgentParams):
    targets_uri: str
    book: BookMapping
    sector_source: SectorSource = "sp500_ohlcv"


class BacktestParams(AgentParams):
    selection_uri: str
    costs: CostMapping = Field(default_factory=lambda: {"base": "default"})
    execution: ExecutionMapping = Field(default_factory=dict)
    book: BookMapping = Field(default_factory=dict)
    baselines: tuple[str, ...] = Field(
        ("equal_weight",),
        description="strategies backtested beside the model (backtest.STRATEGIES)",
    )
    oos_start: str | None = Field(
        None, description="first out-of-sample date of the in/out-of-sample split; null = none"
    )
    scenarios: ScenarioNames = ()

    @field_validator("costs")
    @classmethod
    def _explicit(cls, costs: dict[str, Any]) -> dict[str, Any]:
        return _explicit_costs(costs)


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
    sector_source: SectorSource = "sp500_ohlcv"
    refit_every: int = Field(21, ge=1)
    min_history: int = Field(60, ge=1)
    turnover_penalty: float = Field(0.5, ge=0.0)
    stability_penalty: float = Field(0.5, ge=0.0)
    draws: int = Field(300, ge=50)


class IntradayParams(AgentParams):
    n_symbols: int = Field(
        default=50,
        ge=3,
        le=2000,
        description="names of the synthetic market whose session is replayed",
    )
    session: str = Field(
        default="", description="session to replay (YYYY-MM-DD); empty = the market's last day"
    )
    trades_per_day: float = Field(
        default=1000.0, gt=0, description="mean trades per symbol and session in the tick feed"
    )
    bar_seconds: int = Field(default=60, ge=1, description="bar length in seconds (300: 5-minute)")
    max_delay_s: float = Field(
        default=2.0, ge=0.0, description="the watermark trails the latest event time by this"
    )
    allowed_lateness_s: float = Field(
        default=5.0, ge=0.0, description="a bar is emitted this long after its end (watermark)"
    )
    provisional_s: float = Field(
        default=10.0,
        ge=0.0,
        description="event-time seconds between provisional updates of the open bars "
        "(their features and signals as if they closed now); 0 = final bars only",
    )
    batch_ms: float = Field(
        default=250.0, gt=0.0, description="arrival time each bus message of the replay covers"
    )
    horizon_bars: int = Field(
        default=5, ge=1, description="the intraday model predicts the return over this many bars"
    )
    bus: str = Field(
        default="memory",
        pattern="^(memory|redis)$",
        description="memory (in process) or redis (Redis Streams at MI_REDIS_URL)",
    )
    intraday_dir: str = ""


class NewsParams(AgentParams):
    source: str = Field(
        "sp500_ohlcv", description="bars source in catalog.yml (mi_kernel.data.SOURCES)"
    )
    documents: str = Field(
        "",
        description="documents source of the news step; empty = the source's own text "
        "(synthetic_bars: synthetic_documents; otherwise the 1987 Reuters-21578 corpus)",
    )
    n_topics: int = Field(8, ge=2, le=50, description="topics of the news step's clustering")
    news_horizon: int = Field(
        5, ge=1, le=60, description="sessions of the news event study's drift window"
    )
    dedup_threshold: float = Field(
        0.5, gt=0.0, le=1.0, description="MinHash Jaccard from which two stories are duplicates"
    )


class EvidenceParams(AgentParams):
    signals_ref_uri: str
    documents_uri: str
    links_uri: str
    evidence_top_n: int = Field(
        10, ge=1, le=500, description="strongest signals (by |score|) given text evidence"
    )
    evidence_days: int = Field(
        30, ge=1, le=3650, description="days before a signal's date a document is evidence"
    )
    evidence_k: int = Field(3, ge=1, le=20, description="cited passages per signal")


def parameter_field(name: str) -> FieldInfo | None:
    """Return the field ``name`` of the agent parameter models (None if no agent takes it).

    Several agents may take one parameter (``label_def``, ``costs``, ...); they share its
    type, and the first field with a description is returned.
    """
    fields = [m.model_fields[name] for m in _agent_models() if name in m.model_fields]
    described = [f for f in fields if f.description]
    return described[0] if described else fields[0] if fields else None


def _agent_models() -> list[type[AgentParams]]:
    out, todo = [], list(AgentParams.__subclasses__())
    while todo:
        model = todo.pop(0)
        out.append(model)
        todo.extend(model.__subclasses__())
    return out
