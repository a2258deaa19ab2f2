"""Pre-trade check: run every registered rule over a weights table, every date of it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mi_kernel.compliance._frame import book_frame
from mi_kernel.compliance.book import Book
from mi_kernel.compliance.rules import RULES
from mi_kernel.compliance.violation import CheckResult, Violation
from mi_kernel.compliance.windows import RestrictionList, holdings_conflicts, window_violations


def _order(v: Violation) -> tuple[int, pd.Timestamp]:
    return (0, pd.Timestamp.min.tz_localize("UTC")) if v.ts is None else (1, v.ts)


def check(
    weights: pd.DataFrame,
    book: Book,
    windows: RestrictionList | None = None,
    holdings: pd.DataFrame | None = None,
    asof: Any = None,
) -> CheckResult:
    """Check ``weights`` against every rule of :data:`RULES` and the limits of ``book``.

    Parameters
    ----------
    weights : DataFrame
        Columns symbol, weight (signed fraction of equity) and optionally ts; with ts every
        date is checked and each violation names its date.
    book : Book
        The limits.
    windows : RestrictionList, optional
        Restricted / blackout / insider windows: a row breaches one restricting its symbol
        at the row's ts (or at ``asof`` for a table without ts), point in time.
    holdings : DataFrame, optional
        Firm or personal holdings (symbol, holder): target positions in them are conflicts.

    Returns
    -------
    CheckResult
        ``ok`` when no rule found a violation; violations sorted by date, then rule order.

    Raises
    ------
    ConfigError
        If the table lacks symbol or weight, holds a NaN weight or a repeated (ts, symbol).
    """
    frame = book_frame(weights)
    found = [v for rule in RULES.values() for v in rule(frame, book)]
    if windows is not None:
        found += window_violations(frame, windows, asof)
    if holdings is not None:
        found += holdings_conflicts(frame, holdings)
    found.sort(key=_order)  # stable: rule order is kept within a date
    return CheckResult(ok=not found, violations=found)
