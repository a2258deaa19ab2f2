"""Post-trade surveillance over fills and held weights: each finding is a row with a stable id.

:func:`surveil` looks at what was traded and held (a backtest's ``fills.parquet`` and
``weights.parquet``, or a published book's) and reports

- ``limit:<rule>`` — a hard limit of the book breached by the held weights (the pre-trade
  rules, applied after the fact, every date; consecutive days of one breach are one finding);
- ``restricted_window_trade`` — a fill in a symbol inside a restricted / blackout / insider
  window at the fill's time (point in time, see :mod:`.windows`);
- ``concentration`` — a date whose largest name exceeds ``max_top_share`` of gross exposure,
  or whose Herfindahl index of gross weights exceeds ``max_hhi`` (episodes, as for limits);
- ``round_trip`` — a wash-like round trip: a fill followed, within ``round_trip_days``, by
  the opposite fill of the same symbol with a quantity within ``quantity_tolerance``.

Every row carries a ``finding_id`` (sha256 of its content, 16 hex) so the exception workflow
(:mod:`mi_kernel.governance.exceptions`) opens each finding once.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from mi_kernel.compliance.book import Book
from mi_kernel.compliance.check import check
from mi_kernel.compliance.windows import RestrictionList
from mi_kernel.errors import ConfigError

COLUMNS = ["finding_id", "ts", "symbol", "rule", "severity", "detail"]


def _ids(frame: pd.DataFrame) -> pd.Series:
    keys = frame[["ts", "symbol", "rule", "detail"]].astype(str).to_numpy().tolist()
    return pd.Series(
        [hashlib.sha256(json.dumps(k).encode()).hexdigest()[:16] for k in keys], index=frame.index
    )


def _need(frame: pd.DataFrame, cols: set[str], what: str) -> None:
    missing = cols - set(frame.columns)
    if missing:
        raise ConfigError(f"{what} lack columns {sorted(missing)}; pass the canonical {what}")


def limit_breaches(weights: pd.DataFrame, book: Book) -> pd.DataFrame:
    rows = [
        {
            "ts": v.ts,
            "symbol": v.subject,
            "rule": f"limit:{v.rule}",
            "severity": "high",
            "detail": v.message,
            "value": abs(v.value) - abs(v.limit),
        }
        for v in check(weights, book).violations
    ]
    return pd.DataFrame(rows, columns=[*COLUMNS[1:], "value"])


def window_trades(fills: pd.DataFrame, windows: RestrictionList) -> pd.DataFrame:
    cover = windows.covering(fills["ts"], fills["symbol"])
    hit = fills[cover["kind"].notna()]
    kinds, reasons = cover.loc[hit.index, "kind"], cover.loc[hit.index, "reason"].fillna("")
    detail = (
        hit["symbol"]
        + " traded "
        + hit["quantity"].map("{:+,.0f}".format)
        + " shares in a "
        + kinds
        + " window ("
        + reasons
        + ")"
    )
    return pd.DataFrame(
        {
            "ts": hit["ts"],
            "symbol": hit["symbol"],
            "rule": "restricted_window_trade",
            "severity": "high",
            "detail": detail,
        }
    )


def concentration(weights: pd.DataFrame, max_top_share: float, max_hhi: float) -> pd.DataFrame:
    w = weights.assign(abs_w=weights["weight"].abs())
    gross = w.groupby("ts")["abs_w"].transform("sum")
    w = w.assign(share=np.where(gross > 0, w["abs_w"] / gross, 0.0))
    by = w.groupby("ts")
    top = w.loc[by["share"].idxmax()].set_index("ts")
    hhi = by["share"].apply(lambda s: float((s**2).sum()))
    rows = []
    for t, r in top[top["share"] > max_top_share].iterrows():
        rows.append(
            {
                "ts": t,
                "symbol": r["symbol"],
                "rule": "concentration",
                "severity": "medium",
                "detail": f"{r['symbol']} is {r['share']:.0%} of gross exposure "
                f"(limit {max_top_share:.0%})",
                "value": r["share"],
            }
        )
    for t, h in hhi[hhi > max_hhi].items():
        rows.append(
            {
                "ts": t,
                "symbol": "book",
                "rule": "concentration",
                "severity": "medium",
                "detail": f"Herfindahl index {h:.3f} of gross weights (limit {max_hhi:.3f}): "
                f"about {1 / h:.1f} effective names",
                "value": h,
            }
        )
    return pd.DataFrame(rows, columns=[*COLUMNS[1:], "value"])


def round_trips(fills: pd.DataFrame, days: int, tolerance: float) -> pd.DataFrame:
    f = fills[fills["quantity"] != 0].sort_values(["symbol", "ts"], kind="stable")
    nxt_q = f.groupby("symbol")["quantity"].shift(-1)
    nxt_t = f.groupby("symbol")["ts"].shift(-1)
    q = f["quantity"]
    near = (nxt_q + q).abs() <= tolerance * np.maximum(q.abs(), nxt_q.abs())
    hit = (np.sign(nxt_q) == -np.sign(q)) & near & ((nxt_t - f["ts"]) <= pd.Timedelta(days=days))
    h = f[hit.fillna(False)]
    back = nxt_q[h.index]
    gap = (nxt_t[h.index] - h["ts"]).dt.days
    detail = (
        h["symbol"]
        + " "
        + h["quantity"].map("{:+,.0f}".format)
        + " then "
        + back.map("{:+,.0f}".format)
        + " shares "
        + gap.astype(str)
        + " day(s) later"
    )
    return pd.DataFrame(
        {
            "ts": h["ts"],
            "symbol": h["symbol"],
            "rule": "round_trip",
            "severity": "medium",
            "detail": detail,
        }
    )


def episodes(found: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """One row per run of consecutive dates a (rule, symbol) breach lasted: its first date,
    the worst day's detail, and how long it lasted (a drifting weight is one finding, not one
    per day)."""
    if found.empty:
        return found.drop(columns="value")
    pos = pd.Series(np.arange(len(dates)), index=dates)
    f = found.assign(ts=pd.to_datetime(found["ts"], utc=True))
    f = f.assign(pos=pos.reindex(f["ts"]).to_numpy()).sort_values(["rule", "symbol", "ts"])
    new = f.groupby(["rule", "symbol"])["pos"].diff().ne(1)
    f = f.assign(episode=new.cumsum())
    g = f.groupby("episode")
    worst = f.loc[g["value"].idxmax()].set_index("episode")
    span = g["ts"].agg(["min", "max", "count"])
    detail = (
        worst["detail"]
        + "; worst of "
        + span["count"].astype(str)
        + " day(s), "
        + span["min"].dt.strftime("%Y-%m-%d")
        + " .. "
        + span["max"].dt.strftime("%Y-%m-%d")
    )
    return pd.DataFrame(
        {
            "ts": span["min"],
            "symbol": worst["symbol"],
            "rule": worst["rule"],
            "severity": worst["severity"],
            "detail": detail,
        }
    ).reset_index(drop=True)


def surveil(
    fills: pd.DataFrame,
    weights: pd.DataFrame,
    book: Book,
    windows: RestrictionList | None = None,
    *,
    max_top_share: float = 0.25,
    max_hhi: float = 0.10,
    round_trip_days: int = 5,
    quantity_tolerance: float = 0.05,
) -> pd.DataFrame:
    """Every finding over ``fills`` (ts, symbol, quantity) and held ``weights`` (ts, symbol,
    weight), sorted by time; columns finding_id, ts, symbol, rule, severity, detail."""
    _need(fills, {"ts", "symbol", "quantity"}, "fills")
    _need(weights, {"ts", "symbol", "weight"}, "weights")
    if round_trip_days < 0 or not 0 <= quantity_tolerance < 1:
        raise ConfigError("round_trip_days must be >= 0 and quantity_tolerance in [0, 1)")
    windows = windows or RestrictionList()
    dates = pd.DatetimeIndex(pd.to_datetime(weights["ts"], utc=True).unique()).sort_values()
    daily = [limit_breaches(weights, book)]
    if len(weights):
        daily.append(concentration(weights, max_top_share, max_hhi))
    parts = [
        episodes(pd.concat([d for d in daily if len(d)] or [daily[0]], ignore_index=True), dates),
        window_trades(fills, windows) if windows.windows and len(fills) else None,
        round_trips(fills, round_trip_days, quantity_tolerance) if len(fills) else None,
    ]
    frames = [p for p in parts if p is not None and len(p)]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    found = pd.concat(frames, ignore_index=True)
    found["ts"] = pd.to_datetime(found["ts"], utc=True)
    found.insert(0, "finding_id", _ids(found))
    found = found.drop_duplicates("finding_id")
    return found.sort_values(["ts", "rule", "symbol"], kind="stable").reset_index(drop=True)[
        COLUMNS
    ]


__all__ = ["COLUMNS", "concentration", "limit_breaches", "round_trips", "surveil", "window_trades"]
