"""Serialized records of the seed specification: pydantic v2, frozen, extra='forbid'.

Every timestamp is tz-aware UTC. Events carry both when a thing happened (``ts_event``)
and when it became known to the platform (``ts_known``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def utcnow() -> datetime:
    return datetime.now(UTC)


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _utc_only(cls, v: Any) -> Any:
        if isinstance(v, datetime) and (v.tzinfo is None or v.utcoffset() is None):
            raise ValueError(f"timestamp {v.isoformat()} is naive; pass a tz-aware UTC datetime")
        return v


class EventEnvelope(Record):
    """The seed's Event Envelope: every event a step emits."""

    event_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    event_type: str
    source: str  # the agent / step that emitted it
    run_id: str | None = None
    ts_event: datetime
    ts_known: datetime = Field(default_factory=utcnow)
    schema_version: str = "1"
    dataset_hash: str | None = None
    lineage_parents: tuple[str, ...] = ()  # URIs (or event ids) this event was derived from
    payload: dict[str, Any] = Field(default_factory=dict)


class FeatureRow(Record):
    """The seed's Feature Row: one symbol's features as of ``ts``."""

    ts: datetime
    symbol: str
    recipe_id: str
    features: dict[str, float]


class SignalExplain(Record):
    top_features: tuple[tuple[str, float], ...] = ()  # (feature, contribution), largest |c| first


class Signal(Record):
    """The seed's Signal: a model's view of one symbol as of ``ts``."""

    ts: datetime
    symbol: str
    score: float
    confidence: float = Field(ge=0.0, le=1.0)
    model_version: str
    horizon: str
    explain: SignalExplain = SignalExplain()


class TargetPosition(Record):
    symbol: str
    weight: float
    reason: str = ""


class PortfolioInstruction(Record):
    """The seed's Portfolio Instruction: target weights to trade to, with who approved them."""

    portfolio_version: str
    ts: datetime
    book: str
    targets: tuple[TargetPosition, ...]
    source_signals: str | None = None  # URI of the signals topic
    pretrade: Literal["ok", "violations"] = "ok"
    approvals: tuple[str, ...] = ()
    status: Literal["draft", "approved", "published", "rejected"] = "published"
    # how the book was built (method, optimizer and its parameters, constraints, policies)
    construction: dict[str, Any] = Field(default_factory=dict)
    # the book's risk when it was approved (VaR / ES, beta, concentration, liquidity, stress)
    risk: dict[str, Any] = Field(default_factory=dict)


class ModelCard(Record):
    """What a model is, what it saw, how it did, and who owns it."""

    model_version: str
    name: str
    estimator: str
    purpose: str
    owner: str
    inputs: tuple[str, ...]  # feature table URIs
    features: tuple[str, ...]
    label: str
    train_start: datetime
    train_end: datetime
    cv: dict[str, Any]
    metrics: dict[str, float]
    params: dict[str, Any]
    created: datetime = Field(default_factory=utcnow)
    caveats: tuple[str, ...] = ()


class AuditEntry(Record):
    """One line of the append-only, hash-chained ledger."""

    seq: int
    ts: datetime
    kind: Literal[
        "run",
        "model_registered",
        "model_status",
        "approval",
        "publication",
        "note",
        "backtest.trial",
        "key_registered",
        "checkpoint",
        "hold",
        "release",
        "tombstone",
        "exception",
        "repair",
        "schedule.fired",
        "schedule.skipped",
        "schedule.missed",
        "alert",
    ]
    subject: str  # run id, model version, portfolio version ...
    actor: str
    detail: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str
    hash: str = ""
