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
from mi_kernel.schemas.tables import TABLES, TableName, conform, validate

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
    "validate",
]
