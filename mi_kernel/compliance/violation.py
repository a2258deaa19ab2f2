"""Values of a compliance check: one violation, and the result of checking a book."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One breach of one rule.

    Attributes
    ----------
    rule : str
        Key of :data:`mi_kernel.compliance.RULES` that found it.
    subject : str
        What breached: a symbol, a sector, or "book".
    value : float
        The offending value (a weight, a sector's gross exposure, the book's gross or net).
    limit : float
        The limit it breaches.
    ts : Timestamp or None
        Date of the weights that breach (None for a table without ts).
    message : str
        Human sentence, e.g. "AAPL weight 0.035 exceeds max_position 0.02 on 2024-01-31".
    """

    rule: str
    subject: str
    value: float
    limit: float
    ts: pd.Timestamp | None = None
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (``ts`` as an ISO-8601 string or None)."""
        return {
            "rule": self.rule,
            "subject": self.subject,
            "value": float(self.value),
            "limit": float(self.limit),
            "ts": None if self.ts is None else pd.Timestamp(self.ts).isoformat(),
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`mi_kernel.compliance.check`: ok when there is no violation."""

    ok: bool
    violations: list[Violation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"ok": bool, "violations": [dict, ...]}`` (JSON-able)."""
        return {"ok": bool(self.ok), "violations": [v.to_dict() for v in self.violations]}
