"""The model inventory (SR 11-7), maker/checker approvals, book approvals and the deployment gate.

Everything here is read from and written to the ledger, so the inventory is exactly as
trustworthy as the chain and its checkpoints:

- ``model_registered`` (logged when the training run seals): owner, maker, purpose, intended
  use and limits, risk tier, data lineage (the run's inputs and their hashes), the training
  run, the estimator file's sha256;
- ``model_status`` entries, each e-signed by who moved it, bound to the estimator's sha256
  and a change ticket: draft → validated (with the validation run) → approved → deployed →
  retired. A checker must hold the action's role and differ from the maker;
- ``approval`` entries for books, e-signed and bound to the book definition's hash.

:func:`gate_model` and :func:`gate_book` are what ``score_signals`` and ``publish_portfolio``
ask: in stage and prod only approved (or deployed) models and approved books pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from mi_kernel.errors import ComplianceError, ConfigError
from mi_kernel.governance.ledger import Ledger
from mi_kernel.governance.roles import AccessDenied, Action, require, require_checker
from mi_kernel.schemas.records import AuditEntry, utcnow

STATUSES = ("draft", "validated", "approved", "deployed", "retired")
#: status -> the statuses it may move to, and the action that moves it there
MOVES: dict[str, tuple[Action, tuple[str, ...]]] = {
    "validated": (Action.VALIDATE_MODEL, ("draft", "validated")),
    "approved": (Action.APPROVE_MODEL, ("validated",)),
    "deployed": (Action.DEPLOY_MODEL, ("approved", "retired")),
    "retired": (Action.RETIRE_MODEL, ("draft", "validated", "approved", "deployed")),
}
REVIEW_EVERY = timedelta(days=365)
LIVE = ("approved", "deployed")


@dataclass(frozen=True)
class ModelRecord:
    """One model version in the inventory, as the ledger tells it."""

    version: str
    registration: AuditEntry
    history: tuple[AuditEntry, ...]

    @property
    def detail(self) -> dict[str, Any]:
        return dict(self.registration.detail)

    @property
    def maker(self) -> str:
        return self.registration.actor

    @property
    def status(self) -> str:
        return str(self.history[-1].detail["status"]) if self.history else "draft"

    def last(self, status: str) -> AuditEntry | None:
        found = [e for e in self.history if e.detail["status"] == status]
        return found[-1] if found else None

    def review_due(self) -> datetime | None:
        approved = self.last("approved")
        return approved.ts + REVIEW_EVERY if approved is not None else None


def _voided(ledger: Ledger) -> set[str]:
    return {e.subject for e in ledger.entries() if e.kind == "note" and e.detail.get("voids")}


def models(ledger: Ledger) -> dict[str, ModelRecord]:
    """Every registered model version (voided registrations left out), by version."""
    entries = list(ledger.entries())
    voided = _voided(ledger)
    regs = {
        e.subject: e for e in entries if e.kind == "model_registered" and e.subject not in voided
    }
    history: dict[str, list[AuditEntry]] = {v: [] for v in regs}
    for e in entries:
        if e.kind == "model_status" and e.subject in history:
            history[e.subject].append(e)
    return {v: ModelRecord(v, regs[v], tuple(history[v])) for v in regs}


def model(ledger: Ledger, version: str) -> ModelRecord:
    found = models(ledger)
    if version == "latest" and found:
        return max(found.values(), key=lambda r: r.registration.seq)
    if version not in found:
        raise ConfigError(
            f"model version {version!r} is not in the inventory of {ledger.path.parent}; "
            "list it with `mi models list` (a model is registered when its training run seals)"
        )
    return found[version]


def inventory(ledger: Ledger, now: datetime | None = None) -> pd.DataFrame:
    """The model inventory: one row per version with status, owner, approvals, review dates."""
    now = now or utcnow()
    rows = []
    for rec in models(ledger).values():
        d, approved, due = rec.detail, rec.last("approved"), rec.review_due()
        rows.append(
            {
                "model_version": rec.version,
                "status": rec.status,
                "owner": d.get("owner"),
                "maker": rec.maker,
                "purpose": d.get("purpose"),
                "risk_tier": d.get("risk_tier"),
                "run_id": d.get("run_id"),
                "registered": rec.registration.ts,
                "approved_by": approved.actor if approved else None,
                "ticket": approved.detail.get("ticket") if approved else None,
                "review_due": due,
                "review_overdue": bool(due is not None and rec.status in LIVE and now > due),
            }
        )
    cols = [
        "model_version",
        "status",
        "owner",
        "maker",
        "purpose",
        "risk_tier",
        "run_id",
        "registered",
        "approved_by",
        "ticket",
        "review_due",
        "review_overdue",
    ]
    return pd.DataFrame(rows, columns=cols)


def set_status(
    ledger: Ledger,
    version: str,
    status: str,
    ticket: str,
    *,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Move a model to ``status``: role and maker/checker checked, entry e-signed."""
    if status not in MOVES:
        raise ConfigError(f"status {status!r} is not one of {list(MOVES)}")
    if not ticket or not ticket.strip():
        raise ConfigError("a change ticket id is required (e.g. --ticket CHG-1234)")
    rec = model(ledger, version)
    action, sources = MOVES[status]
    who = (
        require(action) if status in ("deployed", "retired") else require_checker(action, rec.maker)
    )
    if rec.status not in sources:
        raise ComplianceError(
            f"model {rec.version} is {rec.status}; it can become {status} only from {list(sources)}"
        )
    if status == "approved":
        validated = rec.last("validated")
        if validated is not None and validated.actor == who:
            raise AccessDenied(
                f"{who!r} validated {rec.version} and may not also approve it: a second checker"
            )
    detail = {
        "status": status,
        "from": rec.status,
        "ticket": ticket.strip(),
        "model_sha256": rec.detail.get("estimator_sha256"),
        "reason": reason,
        **(extra or {}),
    }
    if status == "deployed":
        _supersede(ledger, rec, who, ticket)
    return ledger.append("model_status", rec.version, who, detail, sign=True)


def _supersede(ledger: Ledger, rec: ModelRecord, who: str, ticket: str) -> None:
    """Deploying a version retires the deployed versions of the same model (one live at a time)."""
    for other in models(ledger).values():
        same = other.detail.get("name") == rec.detail.get("name")
        if other.version != rec.version and other.status == "deployed" and same:
            detail = {
                "status": "retired",
                "from": "deployed",
                "ticket": ticket.strip(),
                "model_sha256": other.detail.get("estimator_sha256"),
                "reason": f"superseded by {rec.version}",
            }
            ledger.append("model_status", other.version, who, detail, sign=True)


def rollback(ledger: Ledger, version: str, ticket: str) -> tuple[AuditEntry, AuditEntry]:
    """Redeploy the version deployed before ``version`` (which is retired); both signed."""
    rec = model(ledger, version)
    if rec.status != "deployed":
        raise ComplianceError(
            f"model {rec.version} is {rec.status}, not deployed: nothing to roll back"
        )
    name = rec.detail.get("name")
    previous = [
        r
        for r in models(ledger).values()
        if r.version != rec.version
        and r.detail.get("name") == name
        and r.last("approved") is not None
        and r.last("deployed") is not None
    ]
    if not previous:
        raise ComplianceError(
            f"no earlier approved and deployed version of {name!r} to roll back to"
        )
    target = max(previous, key=lambda r: r.last("deployed").seq)  # type: ignore[union-attr]
    back = set_status(
        ledger, target.version, "deployed", ticket, reason=f"rollback from {rec.version}"
    )
    out = model(ledger, rec.version).history[-1]  # retired by the redeployment, same ticket
    return out, back


def gate_model(ledger: Ledger, version: str, environment: str) -> str:
    """The model's status; in stage/prod refuse one that is not approved or deployed."""
    found = models(ledger).get(version)
    status = found.status if found is not None else "unregistered"
    if environment != "dev" and status not in LIVE:
        raise ComplianceError(
            f"model {version} is {status} in {environment}: only approved or deployed models "
            "score and publish there (`mi models approve`, by a checker who is not the maker)"
        )
    return status


# -- books -------------------------------------------------------------------------------------
def approve_book(
    ledger: Ledger, name: str, book_hash: str, ticket: str, note: str = ""
) -> AuditEntry:
    """E-sign approval of a book definition (bound to its hash) by a risk or compliance officer."""
    who = require(Action.APPROVE_BOOK)
    if not ticket or not ticket.strip():
        raise ConfigError("a change ticket id is required (e.g. --ticket CHG-1234)")
    detail = {"what": "book", "book_hash": book_hash, "ticket": ticket.strip(), "note": note}
    return ledger.append("approval", name, who, detail, sign=True)


def book_approvals(ledger: Ledger, name: str, book_hash: str) -> list[AuditEntry]:
    return [
        e
        for e in ledger.find("approval", name)
        if e.detail.get("what") == "book" and e.detail.get("book_hash") == book_hash
    ]


def gate_book(
    ledger: Ledger, name: str, book_hash: str, publisher: str, environment: str
) -> list[str]:
    """Who approved this exact book definition (not the publisher); refuse in stage/prod if none."""
    approvers = [e.actor for e in book_approvals(ledger, name, book_hash) if e.actor != publisher]
    if not approvers and environment != "dev":
        raise ComplianceError(
            f"book {name!r} (definition {book_hash[:12]}) has no approval by someone other than "
            f"{publisher!r} in {environment}: `mi books approve` by a risk or compliance officer"
        )
    return sorted(set(approvers))


__all__ = [
    "LIVE",
    "STATUSES",
    "ModelRecord",
    "approve_book",
    "book_approvals",
    "gate_book",
    "gate_model",
    "inventory",
    "model",
    "models",
    "rollback",
    "set_status",
]
