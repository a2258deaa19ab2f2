"""Compliance: a book's limits, a registry of one-function rules, the check, and a clipper.

:func:`check` reports every breach of a weights table (every date of it);
:func:`apply_limits` reduces weights until :func:`check` passes.
"""

from __future__ import annotations

from mi_kernel.compliance._frame import TOL
from mi_kernel.compliance.book import UNKNOWN_SECTOR, Book
from mi_kernel.compliance.check import check
from mi_kernel.compliance.limits import apply_limits
from mi_kernel.compliance.rules import RULES, Rule, RuleName
from mi_kernel.compliance.surveillance import surveil
from mi_kernel.compliance.violation import CheckResult, Violation
from mi_kernel.compliance.windows import (
    RestrictedWindow,
    RestrictionList,
    holdings_conflicts,
    window_violations,
)

__all__ = [
    "RULES",
    "TOL",
    "UNKNOWN_SECTOR",
    "Book",
    "CheckResult",
    "RestrictedWindow",
    "RestrictionList",
    "Rule",
    "RuleName",
    "Violation",
    "apply_limits",
    "check",
    "holdings_conflicts",
    "surveil",
    "window_violations",
]
