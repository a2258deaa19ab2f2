"""The ex-ante risk report: a frozen value with a JSON-able view."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


def json_number(x: float) -> float | None:
    """Return ``x`` as a float, or None when it is not finite (JSON has no NaN)."""
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class RiskReport:
    """Ex-ante risk of a book of weights on a window of past returns.

    Attributes
    ----------
    volatility : float
        Annualised standard deviation of the book's return (fraction of equity).
    var : float
        Historical value at risk at ``level`` over one period, a positive loss fraction.
    cvar : float
        Historical expected shortfall (mean loss beyond the VaR) over one period.
    gross : float
        Sum of ``|weight|``.
    net : float
        Sum of weights.
    n_positions : float
        Number of non-zero weights.
    effective_n : float
        ``1 / sum(weight**2)`` (0 for an empty book).
    level : float
        Confidence level of ``var`` and ``cvar``.
    periods_per_year : float
        Annualisation factor of ``volatility``.
    n_periods : float
        Number of return periods used.
    risk_contributions : dict of str to float
        Euler share of the book's variance per symbol (sums to 1; empty for a riskless book).
    sector_exposures : dict of str to float
        Net weight per sector ("Unknown" for names without one).
    """

    volatility: float
    var: float
    cvar: float
    gross: float
    net: float
    n_positions: float
    effective_n: float
    level: float
    periods_per_year: float
    n_periods: float
    risk_contributions: dict[str, float] = field(default_factory=dict)
    sector_exposures: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (non-finite numbers become None)."""
        scalars = {
            k: json_number(getattr(self, k))
            for k in (
                "volatility",
                "var",
                "cvar",
                "gross",
                "net",
                "n_positions",
                "effective_n",
                "level",
                "periods_per_year",
                "n_periods",
            )
        }
        return {
            **scalars,
            "risk_contributions": {
                str(k): json_number(v) for k, v in self.risk_contributions.items()
            },
            "sector_exposures": {str(k): json_number(v) for k, v in self.sector_exposures.items()},
        }
