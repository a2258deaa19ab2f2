"""Quality gate for bars: registered checks, clean rows, a quarantine with reasons, a score.

Bad rows are quarantined with a human reason, never silently dropped: every input row ends
up either in ``QualityResult.clean`` or (once) in ``QualityResult.quarantine``.
"""

from __future__ import annotations

from mi_kernel.quality.prepare import prepare
from mi_kernel.quality.registry import (
    CHECKS,
    CheckContext,
    CheckOutput,
    CheckSpec,
    Stage,
    flags,
    register_check,
)
from mi_kernel.quality.run import run_checks, score
from mi_kernel.quality.types import Anomaly, QualityConfig, QualityResult, Severity

__all__ = [
    "CHECKS",
    "Anomaly",
    "CheckContext",
    "CheckOutput",
    "CheckSpec",
    "QualityConfig",
    "QualityResult",
    "Severity",
    "Stage",
    "flags",
    "prepare",
    "register_check",
    "run_checks",
    "score",
]
