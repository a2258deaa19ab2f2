"""Canonical table schemas (pyarrow) and serialized records (pydantic v2, frozen, extra=forbid)."""

from mi_kernel.schemas.records import (
    AuditEntry,
    EventEnvelope,
    FeatureRow,
    ModelCard,
    PortfolioInstruction,
    Signal,
    SignalExplain,
    TargetPosition,
)
from mi_kernel.schemas.tables import TABLES, TableName, conform, to_utc, utc_bound, validate

__all__ = [
    "TABLES",
    "AuditEntry",
    "EventEnvelope",
    "FeatureRow",
    "ModelCard",
    "PortfolioInstruction",
    "Signal",
    "SignalExplain",
    "TableName",
    "TargetPosition",
    "conform",
    "to_utc",
    "utc_bound",
    "validate",
]
