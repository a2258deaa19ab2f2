"""Compliance exceptions: every surveillance finding is opened, reviewed and closed, signed.

A finding (a row of :func:`mi_kernel.compliance.surveil`, with a stable ``finding_id``) is
opened once as an exception in the ledger; a compliance or risk officer moves it
open → reviewed → closed, each step an e-signed ``exception`` entry with a note. The
current state of every exception is read back from the ledger (:func:`exceptions_table`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mi_kernel.errors import ComplianceError, ConfigError
from mi_kernel.governance.roles import Action, current_identity, require
from mi_kernel.schemas.records import AuditEntry

STATES = ("open", "reviewed", "closed")
NEXT = {"open": "reviewed", "reviewed": "closed"}
COLUMNS = [
    "exception_id",
    "state",
    "rule",
    "severity",
    "symbol",
    "ts",
    "detail",
    "source",
    "opened",
    "by",
    "note",
]


def _latest(ledger: Any) -> dict[str, list[AuditEntry]]:
    out: dict[str, list[AuditEntry]] = {}
    for e in ledger.entries():
        if e.kind == "exception":
            out.setdefault(e.subject, []).append(e)
    return out


def open_exceptions(ledger: Any, findings: pd.DataFrame, source: str) -> list[str]:
    """Open an exception for every finding not opened before; return the new ids."""
    need = {"finding_id", "rule", "severity", "symbol", "ts", "detail"}
    missing = need - set(findings.columns)
    if missing:
        raise ConfigError(f"findings lack columns {sorted(missing)} (see compliance.surveil)")
    known = _latest(ledger)
    who = current_identity()
    new: list[str] = []
    for row in findings.itertuples(index=False):
        fid = str(row.finding_id)
        if fid in known or fid in new:
            continue
        detail = {
            "state": "open",
            "rule": str(row.rule),
            "severity": str(row.severity),
            "symbol": str(row.symbol),
            "ts": str(row.ts),
            "detail": str(row.detail),
            "source": source,
            "note": "",
        }
        ledger.append("exception", fid, who, detail)
        new.append(fid)
    return new


def advance(ledger: Any, exception_id: str, note: str) -> AuditEntry:
    """Move an exception to its next state (open → reviewed → closed) with a signed note."""
    who = require(Action.REVIEW_EXCEPTION)
    history = _latest(ledger).get(exception_id)
    if not history:
        raise ConfigError(f"no exception {exception_id!r}; list them with exceptions_table()")
    state = str(history[-1].detail["state"])
    if state not in NEXT:
        raise ComplianceError(f"exception {exception_id} is {state}: nothing more to do")
    if not note.strip():
        raise ConfigError("a review or closure needs a note saying what was found and done")
    detail = {**history[0].detail, "state": NEXT[state], "note": note.strip()}
    return ledger.append("exception", exception_id, who, detail, sign=True)


def exceptions_table(ledger: Any) -> pd.DataFrame:
    """Every exception in its current state, open ones first."""
    rows = []
    for fid, history in _latest(ledger).items():
        first, last = history[0], history[-1]
        d = last.detail
        rows.append(
            {
                "exception_id": fid,
                "state": d["state"],
                "rule": d["rule"],
                "severity": d["severity"],
                "symbol": d["symbol"],
                "ts": d["ts"],
                "detail": d["detail"],
                "source": d["source"],
                "opened": first.ts,
                "by": last.actor,
                "note": d.get("note", ""),
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = table["state"].map({s: i for i, s in enumerate(STATES)})
    return (
        table.assign(_o=order)
        .sort_values(["_o", "opened"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


__all__ = ["STATES", "advance", "exceptions_table", "open_exceptions"]
