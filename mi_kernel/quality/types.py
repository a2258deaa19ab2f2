"""Values of the quality gate: severities, anomalies, the config and the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    """How bad an anomaly is: errors quarantine rows, warnings only report."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Anomaly:
    """One finding of one check, aggregated per symbol.

    Attributes
    ----------
    check : str
        Registry key of the check that found it.
    severity : Severity
        ``error`` when rows were quarantined, ``warning`` when they were only reported.
    symbol : str or None
        Symbol concerned; ``None`` for findings about the whole table.
    ts : Timestamp or None
        First timestamp concerned (tz-aware UTC), if any.
    detail : str
        Human sentence naming the offending value(s).
    n_rows : int
        Number of rows (or sessions) concerned.
    """

    check: str
    severity: Severity
    symbol: str | None
    ts: pd.Timestamp | None
    detail: str
    n_rows: int = 1

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (``ts`` as an ISO-8601 string)."""
        ts = None if self.ts is None or pd.isna(self.ts) else pd.Timestamp(self.ts).isoformat()
        return {
            "check": self.check,
            "severity": self.severity.value,
            "symbol": self.symbol,
            "ts": ts,
            "detail": self.detail,
            "n_rows": int(self.n_rows),
        }


class QualityConfig(BaseModel):
    """Thresholds of the quality checks (frozen; parse a dict with ``model_validate``).

    Attributes
    ----------
    z_max : float
        A log close-to-close return whose robust z-score exceeds this in absolute value is a spike.
    z_window : int
        Number of past returns (per symbol) whose median and MAD scale the z-score at t.
    z_min_periods : int
        Past returns needed before a z-score is computed (earlier spikes go undetected).
    min_scale : float
        Floor of the robust scale (log-return units per period), so flat stretches
        (MAD = 0) do not turn every ordinary move into a spike.
    stale_days : int
        A close equal to the previous session's close for this many consecutive sessions is stale.
    row_weight : float
        Weight of the clean-row share in the score; the checks-passed share gets the rest.
    checks : tuple of str or None
        Registry keys of the checks to run, in order; ``None`` runs every registered check.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    z_max: float = Field(default=8.0, gt=0.0)
    z_window: int = Field(default=63, ge=5)
    z_min_periods: int = Field(default=20, ge=3)
    min_scale: float = Field(default=0.005, ge=0.0)
    stale_days: int = Field(default=5, ge=1)
    row_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    checks: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QualityResult:
    """Outcome of :func:`mi_kernel.quality.run_checks`.

    Attributes
    ----------
    score : float
        Quality score in [0, 1] (see :func:`mi_kernel.quality.score`).
    anomalies : list of Anomaly
        Every finding, errors and warnings.
    clean : DataFrame
        Canonical bars that passed every quarantining check, sorted by symbol, ts.
    quarantine : DataFrame
        Canonical quarantine table: one row per quarantined input row (``row_id`` = position
        in the input), checks and reasons joined when a row failed several.
    """

    score: float
    anomalies: list[Anomaly] = field(default_factory=list)
    clean: pd.DataFrame = field(default_factory=pd.DataFrame)
    quarantine: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """Return the tool contract ``{"score": float, "anomalies": [dict, ...]}``."""
        return {"score": float(self.score), "anomalies": [a.to_dict() for a in self.anomalies]}
