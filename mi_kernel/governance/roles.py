"""Who is acting, and what they may do: identities, roles and the actions each role may take.

The identity is ``MI_IDENTITY`` when the caller's environment sets it, else the OS user. The
role file (``roles.yml`` at the project root, versioned with the code; ``MI_ROLES_FILE``
overrides it) maps identities to roles::

    identities:
      ada: [researcher]
      grace: [validator]

Every state-changing tool, CLI command and MCP call asks :func:`require` for its action
before it does anything; the refusal names the identity, the action, the roles that may take
it and where to grant one.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import yaml

from mi_kernel.errors import ConfigError, MIError

ROLES_FILE = "roles.yml"


class Role(StrEnum):
    RESEARCHER = "researcher"
    VALIDATOR = "validator"
    RISK_OFFICER = "risk_officer"
    COMPLIANCE_OFFICER = "compliance_officer"
    ADMIN = "admin"


class Action(StrEnum):
    RUN = "run"  # run a pipeline or a tool that writes into a run
    REGISTER_MODEL = "register_model"
    VALIDATE_MODEL = "validate_model"
    APPROVE_MODEL = "approve_model"
    DEPLOY_MODEL = "deploy_model"
    RETIRE_MODEL = "retire_model"
    APPROVE_BOOK = "approve_book"
    PUBLISH = "publish"
    PROMOTE = "promote"
    CHECKPOINT = "checkpoint"
    HOLD = "hold"
    PURGE = "purge"
    REVIEW_EXCEPTION = "review_exception"
    REPAIR = "repair"


R = Role
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.RUN: frozenset({R.RESEARCHER}),
    Action.REGISTER_MODEL: frozenset({R.RESEARCHER}),
    Action.VALIDATE_MODEL: frozenset({R.VALIDATOR}),
    Action.APPROVE_MODEL: frozenset({R.VALIDATOR, R.RISK_OFFICER}),
    Action.DEPLOY_MODEL: frozenset({R.RISK_OFFICER, R.ADMIN}),
    Action.RETIRE_MODEL: frozenset({R.VALIDATOR, R.RISK_OFFICER}),
    Action.APPROVE_BOOK: frozenset({R.RISK_OFFICER, R.COMPLIANCE_OFFICER}),
    Action.PUBLISH: frozenset({R.RESEARCHER, R.RISK_OFFICER}),
    Action.PROMOTE: frozenset({R.RISK_OFFICER, R.ADMIN}),
    Action.CHECKPOINT: frozenset(Role),  # anyone may anchor the ledger
    Action.HOLD: frozenset({R.COMPLIANCE_OFFICER}),
    Action.PURGE: frozenset({R.COMPLIANCE_OFFICER}),
    Action.REVIEW_EXCEPTION: frozenset({R.COMPLIANCE_OFFICER, R.RISK_OFFICER}),
    Action.REPAIR: frozenset({R.ADMIN}),
}


class AccessDenied(MIError, PermissionError):
    """The acting identity lacks the role an action needs (or a maker tried to check)."""


@dataclass(frozen=True)
class RoleBook:
    """Identities and their roles, as read from the role file."""

    path: Path
    identities: dict[str, frozenset[Role]]

    def roles_of(self, identity: str) -> frozenset[Role]:
        return self.identities.get(identity, frozenset())

    def may(self, identity: str, action: Action) -> bool:
        return bool(self.roles_of(identity) & PERMISSIONS[action])


def current_identity() -> str:
    """``MI_IDENTITY`` if set, else the OS user."""
    who = os.environ.get("MI_IDENTITY", "").strip()
    return who or getpass.getuser()


def roles_path() -> Path:
    env = os.environ.get("MI_ROLES_FILE")
    if env:
        return Path(env)
    from mi_kernel.runstore.paths import project_root

    root = project_root()
    if root is None:
        raise ConfigError(
            "no role file: set MI_ROLES_FILE, or run inside the project (which holds roles.yml)"
        )
    return root / ROLES_FILE


def load_roles(path: Path | None = None) -> RoleBook:
    path = path or roles_path()
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    return _load(str(path), stamp)


@lru_cache(maxsize=8)
def _load(path: str, stamp: int) -> RoleBook:
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"role file {p} does not exist; create it (see README, 'Roles')")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"role file {p} is not valid YAML: {exc}") from None
    ids = raw.get("identities") if isinstance(raw, dict) else None
    if not isinstance(ids, dict):
        raise ConfigError(f"role file {p} needs a mapping 'identities: {{name: [role, ...]}}'")
    out: dict[str, frozenset[Role]] = {}
    for who, roles in ids.items():
        names = [roles] if isinstance(roles, str) else list(roles or [])
        bad = [r for r in names if r not in Role.__members__.values()]
        if bad:
            raise ConfigError(
                f"role file {p}: identity {who!r} has unknown role(s) {bad}; "
                f"known: {[r.value for r in Role]}"
            )
        out[str(who)] = frozenset(Role(r) for r in names)
    return RoleBook(p, out)


def require(action: Action | str, identity: str | None = None) -> str:
    """Return the acting identity if it may take ``action``; refuse with :class:`AccessDenied`."""
    action = Action(action)
    who = identity or current_identity()
    book = load_roles()
    if not book.may(who, action):
        allowed = sorted(r.value for r in PERMISSIONS[action])
        held = sorted(r.value for r in book.roles_of(who)) or ["none"]
        raise AccessDenied(
            f"{who!r} may not {action.value}: it needs one of the roles {allowed}, and "
            f"{who!r} holds {held} in {book.path}. Grant a role there (reviewed like code), or "
            "act as an identity that holds one (MI_IDENTITY)."
        )
    return who


def require_checker(action: Action | str, maker: str, identity: str | None = None) -> str:
    """Like :func:`require`, and the checker must not be the maker (four eyes)."""
    who = require(action, identity)
    if who == maker:
        raise AccessDenied(
            f"{who!r} made this and may not also {Action(action).value} it: maker/checker needs "
            "a second identity"
        )
    return who


__all__ = [
    "PERMISSIONS",
    "AccessDenied",
    "Action",
    "Role",
    "RoleBook",
    "current_identity",
    "load_roles",
    "require",
    "require_checker",
]
