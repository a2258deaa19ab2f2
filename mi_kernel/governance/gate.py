"""The state the publication gate decides on, as one digest (the step cache keys on it).

A governed step (one that publishes through the gate) may be served from an earlier sealed run
only when the gate would decide today exactly as it decided then. The gate reads:

- the environment (dev, stage, prod) and the acting identity, with the role file that says
  what that identity may do;
- the model inventory: registrations, status changes (validation, approval, deployment,
  rollback) and voided registrations;
- the book approvals.

:func:`gate_state` hashes all of it. It is deliberately broad: any approval or model-status
change anywhere in the ledger changes it (the step executes again and the gate decides anew);
new runs, trials, publications, checkpoints and schedule records do not.
"""

from __future__ import annotations

from typing import Any

from mi_kernel.governance.roles import current_identity, roles_path
from mi_kernel.runstore.hashing import sha256_file, sha256_json

#: Ledger entries whose appearance can change what the gate decides.
GATE_KINDS = frozenset({"model_registered", "model_status", "approval"})


def _decides(entry: Any) -> bool:
    # a note that voids a registration takes the model out of the inventory
    return entry.kind in GATE_KINDS or (entry.kind == "note" and bool(entry.detail.get("voids")))


def gate_state(store: Any) -> str:
    """One sha256 over what the publication gate reads in ``store`` (see the module docstring)."""
    path = roles_path()
    return sha256_json(
        {
            "environment": store.environment,
            "identity": current_identity(),
            "roles": sha256_file(path) if path.is_file() else None,
            "ledger": [e.hash for e in store.ledger.entries() if _decides(e)],
        }
    )


__all__ = ["GATE_KINDS", "gate_state"]
