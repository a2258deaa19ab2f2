"""Compliance rules: one function each, ``(weights, book) -> list[Violation]``, in a registry.

A rule takes a weights table (symbol, weight and optionally ts) and a :class:`Book`; it
checks every date of the table at once (a table without ts is one book) and returns its
violations in date order. A value breaches a limit when it is beyond it by more than
:data:`TOL`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import pandas as pd

from mi_kernel.compliance._frame import TOL, book_frame, sector_names
from mi_kernel.compliance.book import Book
from mi_kernel.compliance.violation import Violation

Rule = Callable[[pd.DataFrame, Book], list[Violation]]


class RuleName(StrEnum):
    """Registered compliance rules, in the order :func:`check` reports them."""

    RESTRICTED = "restricted"
    POSITION = "position"
    SECTOR = "sector"
    GROSS = "gross"
    NET = "net"


def _on(ts: object) -> str:
    if ts is None or pd.isna(ts):  # type: ignore[call-overload]
        return ""
    t = pd.Timestamp(ts)  # type: ignore[arg-type]
    return f" on {t.strftime('%Y-%m-%d') if t == t.normalize() else t.isoformat()}"


def _ts(ts: object) -> pd.Timestamp | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts)  # type: ignore[call-overload,arg-type]


def _violation(
    rule: RuleName, subject: str, value: float, limit: float, ts: object, text: str
) -> Violation:
    return Violation(
        rule=rule.value,
        subject=subject,
        value=float(value),
        limit=float(limit),
        ts=_ts(ts),
        message=f"{text}{_on(ts)}",
    )


def restricted(weights: pd.DataFrame, book: Book) -> list[Violation]:
    """Flag every restricted symbol held with a non-zero weight."""
    f = book_frame(weights)
    bad = f[f["symbol"].isin(book.restricted) & (f["weight"].abs() > TOL)]
    return [
        _violation(
            RuleName.RESTRICTED,
            s,
            w,
            0.0,
            t,
            f"{s} is restricted but has weight {w:.6g} (must be 0)",
        )
        for t, s, w in zip(bad["ts"], bad["symbol"], bad["weight"], strict=True)
    ]


def position(weights: pd.DataFrame, book: Book) -> list[Violation]:
    """Flag every ``|weight|`` above ``max_position``."""
    f = book_frame(weights)
    cap = book.max_position
    bad = f[f["weight"].abs() > cap + TOL]
    return [
        _violation(
            RuleName.POSITION, s, w, cap, t, f"{s} weight {w:.6g} exceeds max_position {cap:g}"
        )
        for t, s, w in zip(bad["ts"], bad["symbol"], bad["weight"], strict=True)
    ]


def sector(weights: pd.DataFrame, book: Book) -> list[Violation]:
    """Flag every sector whose gross exposure (sum of ``|weight|``) exceeds ``max_sector``."""
    f = book_frame(weights)
    cap = book.max_sector
    names = sector_names(f, book)
    gross = f["weight"].abs().groupby([f["ts"], names], dropna=False, sort=True).sum()
    bad = gross[gross > cap + TOL]
    keys = bad.index.get_level_values
    return [
        _violation(
            RuleName.SECTOR,
            sec,
            g,
            cap,
            t,
            f"sector {sec!r} gross exposure {g:.6g} exceeds max_sector {cap:g}",
        )
        for t, sec, g in zip(keys(0), keys(1), bad.to_numpy(), strict=True)
    ]


def _per_date(weights: pd.DataFrame) -> pd.DataFrame:
    f = book_frame(weights)
    w = f["weight"]
    return pd.DataFrame({"gross": w.abs(), "net": w}).groupby(f["ts"], dropna=False).sum()


def gross(weights: pd.DataFrame, book: Book) -> list[Violation]:
    """Flag every date whose gross exposure exceeds ``max_gross``."""
    cap = book.max_gross
    g = _per_date(weights)["gross"]
    return [
        _violation(
            RuleName.GROSS,
            "book",
            v,
            cap,
            t,
            f"book gross exposure {v:.6g} exceeds max_gross {cap:g}",
        )
        for t, v in g[g > cap + TOL].items()
    ]


def net(weights: pd.DataFrame, book: Book) -> list[Violation]:
    """Flag every date whose net exposure is outside ``[min_net, max_net]``."""
    out = []
    for t, v in _per_date(weights)["net"].items():
        if v > book.max_net + TOL:
            text = f"book net exposure {v:.6g} exceeds max_net {book.max_net:g}"
            out.append(_violation(RuleName.NET, "book", v, book.max_net, t, text))
        elif v < book.min_net - TOL:
            text = f"book net exposure {v:.6g} is below min_net {book.min_net:g}"
            out.append(_violation(RuleName.NET, "book", v, book.min_net, t, text))
    return out


#: Registry of compliance rules, in reporting order.
RULES: dict[str, Rule] = {
    RuleName.RESTRICTED: restricted,
    RuleName.POSITION: position,
    RuleName.SECTOR: sector,
    RuleName.GROSS: gross,
    RuleName.NET: net,
}
