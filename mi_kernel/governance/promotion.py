"""Promotion of an approved model from one environment's runs root to the next (dev → stage → prod).

Environments keep separate runs roots and ledgers (``runs/``, ``runs-stage/``, ``runs-prod/``).
Promoting is itself an approval: a risk officer or admin who is not the model's maker opens a
*promotion* run in the target root, copies the model's files there after checking their
bytes against the source manifest, and — once the run seals and registers the copy — signs
an ``approved`` status in the target ledger that names the source environment, run, root hash
and the approval it rests on. The target's gate then accepts the model.
"""

from __future__ import annotations

import shutil
from typing import Any

from mi_kernel.errors import ComplianceError, ConfigError, IntegrityError
from mi_kernel.governance import registry
from mi_kernel.governance.roles import Action, require_checker
from mi_kernel.runstore.paths import ENVIRONMENTS
from mi_kernel.schemas.records import AuditEntry


def promote(src: Any, dst: Any, version: str, ticket: str) -> tuple[str, AuditEntry]:
    """Promote ``version`` from store ``src`` to store ``dst``; return (run id, approval)."""
    from mi_kernel.runstore import use_run, verify_run

    rec = registry.model(src.ledger, version)
    who = require_checker(Action.PROMOTE, rec.maker)
    if not ticket.strip():
        raise ConfigError("a promotion needs a change ticket id (e.g. --ticket CHG-1234)")
    order = ENVIRONMENTS.index(dst.environment) - ENVIRONMENTS.index(src.environment)
    if order != 1:
        raise ComplianceError(
            f"a model is promoted one step at a time ({' → '.join(ENVIRONMENTS)}); "
            f"{src.environment} → {dst.environment} is not one step"
        )
    if rec.status not in registry.LIVE:
        raise ComplianceError(
            f"model {rec.version} is {rec.status} in {src.environment}: approve it first"
        )
    run_id = str(rec.detail["run_id"])
    check = verify_run(src, run_id)
    if not check.ok:
        raise IntegrityError(
            f"the training run {run_id} does not verify: {list(check.problems)[:3]}"
        )
    folder = src.resolve(str(rec.detail["uri"]))
    approval = rec.last("approved")
    assert approval is not None  # LIVE implies an approval
    origin = {
        "environment": src.environment,
        "run_id": run_id,
        "root_hash": src.manifest(run_id).root_hash,
        "approval_seq": approval.seq,
        "approval_hash": approval.hash,
    }
    ctx = dst.start(
        "promotion", {"model_version": rec.version, "from": origin}, action=Action.PROMOTE
    )
    with use_run(ctx):
        ctx.record_input(f"model:{rec.version}", str(rec.detail["uri"]), origin["root_hash"])
        target = f"models/{rec.version}"
        shutil.copytree(folder, ctx.path(target), dirs_exist_ok=True)
        for p in ctx.path(target).rglob("*"):
            p.chmod(0o644 if p.is_file() else 0o755)
        ctx.record_model(
            {
                **{k: v for k, v in rec.detail.items() if k != "inputs"},
                "uri": ctx.uri(target),
                "run_id": ctx.run_id,
                "promoted_from": origin,
            }
        )
    sealed = dst.seal(ctx.run_id)
    detail = {
        "status": "approved",
        "from": "promoted",
        "ticket": ticket.strip(),
        "model_sha256": rec.detail.get("estimator_sha256"),
        "reason": "promotion",
        "promoted_from": origin,
        "promotion_run": sealed.run_id,
    }
    entry = dst.ledger.append("model_status", rec.version, who, detail, sign=True)
    return sealed.run_id, entry


__all__ = ["promote"]
