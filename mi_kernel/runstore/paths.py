"""Where things are: the project root, the runs root, and the names a run may have.

Every run id and ``run://`` path goes through :func:`check_run_id` / :func:`inside` before it
touches the disk, so no parameter (``../../x``), URI or MCP call reaches outside the runs root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mi_kernel.errors import RunError

RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
ENVIRONMENTS = ("dev", "stage", "prod")


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: cwd) holding ``catalog.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "catalog.yml").exists():
            return folder
    pkg_parent = Path(__file__).resolve().parents[2]
    return pkg_parent if (pkg_parent / "catalog.yml").exists() else None


def environment() -> str:
    """The environment this process acts in: ``MI_ENV`` (dev, stage, prod), default dev."""
    env = os.environ.get("MI_ENV", "dev").strip() or "dev"
    if env not in ENVIRONMENTS:
        raise RunError(f"MI_ENV={env!r} is not one of {ENVIRONMENTS}")
    return env


def default_root(env: str | None = None) -> Path:
    """``MI_RUNS_ROOT``, else ``<project>/runs`` (dev) or ``<project>/runs-<env>``."""
    given = os.environ.get("MI_RUNS_ROOT")
    if given:
        return Path(given).resolve()
    env = env or environment()
    base = project_root() or Path.cwd().resolve()
    return base / ("runs" if env == "dev" else f"runs-{env}")


def check_run_id(run_id: str) -> str:
    """Return ``run_id`` if it is a plain run name; refuse paths and odd characters."""
    if not isinstance(run_id, str) or not RUN_ID_RE.match(run_id) or ".." in run_id:
        raise RunError(
            f"{run_id!r} is not a run id: a run id holds only letters, digits, '_', '.', '-' "
            "(no '/' or '..'); list runs with `mi runs list`"
        )
    return run_id


def inside(base: Path, relpath: str, what: str) -> Path:
    """``base / relpath``, refused when it would leave ``base`` (``..``, absolute, symlink)."""
    if not relpath or Path(relpath).is_absolute():
        raise RunError(f"{what} {relpath!r} must be a relative path inside {base}")
    p = (base / relpath).resolve()
    if base.resolve() not in p.parents:
        raise RunError(f"{what} {relpath!r} escapes {base}; paths stay inside their run")
    return p
