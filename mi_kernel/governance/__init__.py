"""Governance: who may do what, the ledger, signatures, model inventory, approvals and records.

- :mod:`.roles` — identities, roles and the permission each action needs;
- :mod:`.signing` — ed25519 keys and signatures;
- :mod:`.ledger` — the hash-chained, signed audit trail;
- :mod:`.anchor` — signed checkpoints of the ledger head, copied to a witness location;
- :mod:`.trials` — backtest trials counted from the ledger (for the deflated Sharpe ratio);
- :mod:`.registry` — the model inventory and its maker/checker approvals, the book approvals
  and the deployment gate;
- :mod:`.gate` — the state the publication gate decides on, as one digest (the step cache);
- :mod:`.retention` — retention by record class, legal holds, purge with signed tombstones;
- :mod:`.fsck` — find and repair what a crash left behind;
- :mod:`.views` — read-only tables over runs and the audit trail (CLI, consoles, notebooks).

The run store writes its ledger through this package; names are imported on first use so
that the run store can depend on the ledger without loading the rest.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AccessDenied": "roles",
    "Action": "roles",
    "Role": "roles",
    "current_identity": "roles",
    "load_roles": "roles",
    "require": "roles",
    "require_checker": "roles",
    "Ledger": "ledger",
    "Signature": "signing",
    "gate_state": "gate",
    "integrity": "views",
    "ledger_table": "views",
    "runs_table": "views",
    "steps_table": "views",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
