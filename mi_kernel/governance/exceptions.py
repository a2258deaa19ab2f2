"""Compliance exceptions: every surveillance finding is opened, reviewed and closed, signed.

A finding (a row of :func:`mi_kernel.compliance.surveil`, with a stable ``finding_id``) is
opened once as an exception in the ledger; a compliance or risk officer moves it
open → reviewed → closed, each step an e-signed ``exception`` entry with a note. The
current state of every exception is read back from the ledger (:func:`exceptions_table`).
"""

from __future__ import annotations

import json
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


def surveil_run(
    store: Any, run_id: str, windows: Any = None, **limits: Any
) -> tuple[pd.DataFrame, list[str]]:
    """Surveil the backtests of a sealed run traded with its book; open an exception per finding.

    The book is the run's ``book`` parameter (its hard limits; its restricted names count as
    restricted windows for the whole sample) plus ``windows`` (a
    :class:`~mi_kernel.compliance.RestrictionList`). Returns the findings and the ids of the
    exceptions opened now (findings seen before are not opened twice).
    """
    from mi_kernel import compliance, portfolio

    require(Action.REVIEW_EXCEPTION)
    m = store.manifest(run_id)
    if not isinstance(m.parameters.get("book"), dict):
        raise ConfigError(f"run {run_id} has no book parameter: nothing to surveil against")
    book = portfolio.as_book_definition(m.parameters["book"]).book()
    own = [
        {"symbol": s, "start": "1900-01-01", "kind": "restricted", "reason": "restricted list"}
        for s in book.restricted
    ]
    extra = list(windows.windows) if windows is not None else []
    rules = compliance.RestrictionList(
        (*compliance.RestrictionList.from_records(own).windows, *extra)
    )
    frames, new = [], []
    for fills_path in sorted(store.sealed_dir(run_id).glob("backtests/*/fills.parquet")):
        folder = fills_path.parent
        report = folder / "report.json"
        traded = json.loads(report.read_text()).get("book") if report.exists() else None
        if traded != book.name or not (folder / "weights.parquet").exists():
            continue  # only what was traded with this book (not the baselines)
        source = f"run://{run_id}/{folder.relative_to(store.sealed_dir(run_id)).as_posix()}"
        fills = pd.read_parquet(fills_path)
        held = pd.read_parquet(folder / "weights.parquet")
        found = compliance.surveil(fills, held, book, rules, **limits).assign(source=source)
        new += open_exceptions(store.ledger, found, source)
        frames.append(found)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, new


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


__all__ = ["STATES", "advance", "exceptions_table", "open_exceptions", "surveil_run"]
