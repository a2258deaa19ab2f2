"""Restricted lists and insider / blackout windows with effective dates, point in time.

A :class:`RestrictedWindow` restricts one symbol from ``start`` to ``end`` (inclusive; open
when ``end`` is None), and is known to the desk from ``announced`` (default: ``start``). At
a time t a window restricts only if it was announced by t and t lies inside it — a window
added later, or one that ended before t, does not (no look-ahead, no stale restrictions).
:class:`RestrictionList` answers "what is restricted at t" for dates and for whole tables of
(ts, symbol) rows at once; :func:`window_violations` and :func:`holdings_conflicts` are the
pre-trade rules that use them (``compliance.check(..., windows=, holdings=)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from mi_kernel.compliance._frame import TOL
from mi_kernel.compliance.violation import Violation
from mi_kernel.errors import ConfigError

Kind = Literal["restricted", "blackout", "insider"]


class RestrictedWindow(BaseModel):
    """One symbol restricted over a period (UTC), for a reason."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    symbol: str
    start: datetime
    end: datetime | None = None
    kind: Kind = "restricted"
    reason: str = ""
    announced: datetime | None = None

    @field_validator("start", "end", "announced", mode="after")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        return v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v

    @model_validator(mode="after")
    def _check(self) -> RestrictedWindow:
        if not self.symbol.strip():
            raise ValueError("symbol is empty")
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end:%Y-%m-%d} is before start {self.start:%Y-%m-%d}")
        return self

    @property
    def known_from(self) -> datetime:
        return self.announced or self.start

    def active(self, t: datetime | pd.Timestamp) -> bool:
        t = pd.Timestamp(t)
        t = t.tz_localize("UTC") if t.tzinfo is None else t
        return bool(
            self.known_from <= t and self.start <= t and (self.end is None or t <= self.end)
        )


@dataclass(frozen=True)
class RestrictionList:
    """A frozen set of windows; ask what is restricted at a date or on a table's rows."""

    windows: tuple[RestrictedWindow, ...] = ()

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> RestrictionList:
        out = []
        for i, rec in enumerate(records):
            try:
                out.append(RestrictedWindow.model_validate(dict(rec)))
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()
                )
                raise ConfigError(
                    f"restriction row {i} ({dict(rec)}) is invalid: {problems}"
                ) from None
        return cls(tuple(out))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> RestrictionList:
        """Columns symbol, start, end (NaT = open), kind, reason, announced (optional)."""
        clean = frame.astype(object).where(frame.notna(), None)
        return cls.from_records({str(k): v for k, v in r.items()} for r in clean.to_dict("records"))

    def active(self, t: datetime | pd.Timestamp) -> frozenset[str]:
        """Symbols restricted at ``t``."""
        return frozenset(w.symbol for w in self.windows if w.active(t))

    def covering(self, ts: pd.Series, symbol: pd.Series) -> pd.DataFrame:
        """For rows (ts, symbol): the first window restricting each row (columns kind, reason;
        NaN where none does)."""
        t = pd.to_datetime(pd.Series(ts), utc=True).dt.tz_localize(None).to_numpy()
        sym = symbol.astype(str).to_numpy()
        kind = np.full(len(t), None, dtype=object)
        reason = np.full(len(t), None, dtype=object)

        def naive(d: datetime) -> np.datetime64:
            return pd.Timestamp(d).tz_convert("UTC").tz_localize(None).to_datetime64()

        for w in self.windows:
            hit = (sym == w.symbol) & (t >= naive(w.known_from)) & (t >= naive(w.start))
            if w.end is not None:
                hit &= t <= naive(w.end)
            hit &= pd.isna(kind)
            kind[hit], reason[hit] = w.kind, w.reason
        return pd.DataFrame({"kind": kind, "reason": reason}, index=ts.index)


def window_violations(
    weights: pd.DataFrame, windows: RestrictionList, asof: Any = None
) -> list[Violation]:
    """Non-zero weights in a symbol restricted at the row's ts (or at ``asof``)."""
    f = weights[weights["weight"].abs() > TOL]
    if f.empty or not windows.windows:
        return []
    if "ts" in f and asof is None:
        ts = f["ts"]
    elif asof is not None:
        ts = pd.Series(
            pd.Timestamp(asof, tz="UTC")
            if pd.Timestamp(asof).tzinfo is None
            else pd.Timestamp(asof),
            index=f.index,
        )
    else:
        raise ConfigError("weights without ts need an asof date to check restriction windows")
    cover = windows.covering(ts, f["symbol"])
    hit = cover["kind"].notna().to_numpy()
    out = []
    for sym, w, t, kind, why in zip(
        f["symbol"].to_numpy()[hit],
        f["weight"].to_numpy()[hit],
        ts.to_numpy()[hit],
        cover["kind"].to_numpy()[hit],
        cover["reason"].to_numpy()[hit],
        strict=True,
    ):
        when = pd.Timestamp(t)
        when = when.tz_localize("UTC") if when.tzinfo is None else when
        text = (
            f"{sym} is in a {kind} window ({why or 'no reason given'}) on "
            f"{when:%Y-%m-%d} but has weight {float(w):.6g}"
        )
        out.append(
            Violation(
                rule="window", subject=str(sym), value=float(w), limit=0.0, ts=when, message=text
            )
        )
    return out


def holdings_conflicts(weights: pd.DataFrame, holdings: pd.DataFrame) -> list[Violation]:
    """Target positions in symbols the firm or its people hold (columns symbol, holder)."""
    missing = {"symbol", "holder"} - set(holdings.columns)
    if missing:
        raise ConfigError(f"holdings need columns symbol and holder; missing {sorted(missing)}")
    held = holdings.groupby("symbol")["holder"].agg(lambda s: ", ".join(sorted(map(str, s))))
    f = weights[(weights["weight"].abs() > TOL) & weights["symbol"].isin(held.index)]
    out = []
    for rec in f.to_dict("records"):
        sym, w = str(rec["symbol"]), float(rec["weight"])
        when = pd.Timestamp(rec["ts"]) if "ts" in rec else None
        text = f"{sym} (weight {w:.6g}) is held by {held[sym]}: a conflict to clear before trading"
        out.append(
            Violation(
                rule="holdings_conflict", subject=sym, value=w, limit=0.0, ts=when, message=text
            )
        )
    return out


__all__ = ["RestrictedWindow", "RestrictionList", "holdings_conflicts", "window_violations"]
