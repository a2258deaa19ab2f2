"""Ex-ante risk of a book of weights: volatility, VaR / ES, risk contributions, sectors."""

from __future__ import annotations

from mi_kernel.risk.ex_ante import UNKNOWN_SECTOR, ex_ante
from mi_kernel.risk.report import RiskReport

__all__ = ["UNKNOWN_SECTOR", "RiskReport", "ex_ante"]
