"""The run store: runs are written under a staging name, sealed, renamed into place, read-only.

Layout under the runs root (``MI_RUNS_ROOT``, else ``<project>/runs``)::

    .staging/<run_id>/     a run being written (never read as complete)
    <run_id>/              a sealed run: manifest.json + every product, read-only
    ledger.jsonl           the hash-chained ledger

Artifacts are addressed by URIs ``run://<run_id>/<relative path>`` that stay valid when a
run moves from staging into place.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mi_kernel.errors import RunError, SealedRunError
from mi_kernel.runstore.context import RunContext
from mi_kernel.runstore.hashing import sha256_tree
from mi_kernel.runstore.ledger import Ledger
from mi_kernel.runstore.manifest import (
    MANIFEST,
    InputDataset,
    Manifest,
    Status,
    StepRecord,
    code_version,
    lock_sha256,
)

STAGING = ".staging"
URI_RE = re.compile(r"^run://(?P<run_id>[^/]+)/(?P<path>.+)$")
RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: cwd) holding ``catalog.yml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "catalog.yml").exists():
            return folder
    pkg_parent = Path(__file__).resolve().parents[2]
    return pkg_parent if (pkg_parent / "catalog.yml").exists() else None


def meta_relpath(relpath: str) -> str:
    """Where a table's sidecar metadata lives: ``x/name.parquet`` -> ``x/name.meta.json``."""
    return relpath.removesuffix(".parquet") + ".meta.json"


def default_root() -> Path:
    env = os.environ.get("MI_RUNS_ROOT")
    if env:
        return Path(env).resolve()
    root = project_root()
    return (root / "runs") if root else Path.cwd().resolve() / "runs"


def new_run_id(pipeline: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", pipeline).strip("-") or "run"
    return f"{stamp}-{slug}-{secrets.token_hex(3)}"


class RunStore:
    """All runs under one root, and the ledger beside them."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).resolve() if root else default_root()
        self.ledger = Ledger(self.root / "ledger.jsonl")

    # -- locating -------------------------------------------------------------------------
    def staging_dir(self, run_id: str) -> Path:
        return self.root / STAGING / run_id

    def sealed_dir(self, run_id: str) -> Path:
        return self.root / run_id

    def is_sealed(self, run_id: str) -> bool:
        return (self.sealed_dir(run_id) / MANIFEST).exists()

    def run_dir(self, run_id: str) -> Path:
        for d in (self.sealed_dir(run_id), self.staging_dir(run_id)):
            if d.is_dir():
                return d
        raise RunError(
            f"no run {run_id!r} under {self.root}: list runs with `mi runs list` "
            "(or set MI_RUNS_ROOT to the folder that holds it)"
        )

    def resolve(self, uri: str) -> Path:
        """Map ``run://<run_id>/<path>`` (or a plain filesystem path) to a local path."""
        m = URI_RE.match(str(uri))
        if not m:
            p = Path(str(uri).removeprefix("file://"))
            if p.exists():
                return p
            raise RunError(f"{uri!r} is neither a run:// URI nor an existing file")
        path = self.run_dir(m["run_id"]) / m["path"]
        if not path.exists():
            raise RunError(f"artifact {uri!r} does not exist (looked at {path})")
        return path

    def read_meta(self, uri: str) -> dict[str, Any]:
        """Sidecar metadata written beside a table (``<name>.meta.json``); {} when there is none."""
        path = self.resolve(uri)
        side = path.with_name(meta_relpath(path.name))
        return dict(json.loads(side.read_text())) if side.exists() else {}

    # -- lifecycle ------------------------------------------------------------------------
    def start(
        self, pipeline: str, parameters: dict[str, Any] | None = None, run_id: str | None = None
    ) -> RunContext:
        """Create a staging run and return its context."""
        run_id = run_id or new_run_id(pipeline)
        if not RUN_ID_RE.match(run_id):
            raise RunError(f"run id {run_id!r} may hold only letters, digits, '_', '.', '-'")
        if self.sealed_dir(run_id).exists() or self.staging_dir(run_id).exists():
            raise RunError(f"run {run_id!r} already exists under {self.root}; runs are immutable")
        d = self.staging_dir(run_id)
        (d / "_meta").mkdir(parents=True)
        meta = {
            "run_id": run_id,
            "pipeline": pipeline,
            "parameters": parameters or {},
            "created": datetime.now(UTC).isoformat(),
        }
        (d / "_meta" / "run.json").write_text(json.dumps(meta, indent=2, default=str))
        return RunContext(self, run_id)

    def attach(self, run_id: str, step: str | None = None) -> RunContext:
        """Context of an existing staging run (a pipeline step joins its run this way)."""
        if self.is_sealed(run_id):
            raise SealedRunError(
                f"run {run_id!r} is sealed and immutable; start a new run to change anything"
            )
        if not self.staging_dir(run_id).is_dir():
            raise RunError(f"no staging run {run_id!r} under {self.root / STAGING}")
        return RunContext(self, run_id, step=step)

    def seal(self, run_id: str, status: Status = "succeeded", error: str | None = None) -> Manifest:
        """Hash every byte, write the manifest, move into place, make read-only, log it."""
        src = self.staging_dir(run_id)
        if not src.is_dir():
            raise RunError(f"cannot seal {run_id!r}: no staging run at {src}")
        meta = json.loads((src / "_meta" / "run.json").read_text())
        root = project_root()
        manifest = Manifest(
            run_id=run_id,
            pipeline=meta["pipeline"],
            parameters=meta["parameters"],
            status=status,
            created=meta["created"],
            sealed=datetime.now(UTC),
            code_version=code_version(root),
            lock_sha256=lock_sha256(root),
            inputs=tuple(
                InputDataset.model_validate(x) for x in _read_jsonl(src / "_meta/inputs.jsonl")
            ),
            steps=tuple(
                StepRecord.model_validate(x) for x in _read_jsonl(src / "_meta/steps.jsonl")
            ),
            products=sha256_tree(src),
            error=error,
        )
        manifest = manifest.model_copy(update={"root_hash": manifest.compute_root_hash()})
        (src / MANIFEST).write_text(manifest.model_dump_json(indent=2))
        dst = self.sealed_dir(run_id)
        os.replace(src, dst)
        _make_read_only(dst)
        self.ledger.append(
            "run",
            run_id,
            actor=os.environ.get("MI_ACTOR", os.environ.get("USER", "unknown")),
            detail={
                "status": status,
                "pipeline": manifest.pipeline,
                "root_hash": manifest.root_hash,
            },
        )
        return manifest

    # -- reading --------------------------------------------------------------------------
    def manifest(self, run_id: str) -> Manifest:
        path = self.sealed_dir(run_id) / MANIFEST
        if not path.exists():
            raise RunError(f"run {run_id!r} is not sealed (no {path})")
        return Manifest.model_validate_json(path.read_text())

    def runs(self) -> Iterator[Manifest]:
        """Sealed runs, oldest first."""
        if not self.root.is_dir():
            return
        for d in sorted(self.root.iterdir()):
            if d.is_dir() and (d / MANIFEST).exists():
                yield Manifest.model_validate_json((d / MANIFEST).read_text())

    def latest(self, pipeline: str | None = None, status: str = "succeeded") -> Manifest:
        found = [m for m in self.runs() if m.status == status and pipeline in (None, m.pipeline)]
        if not found:
            raise RunError(f"no {status} run of pipeline {pipeline or 'any'!r} under {self.root}")
        return max(found, key=lambda m: m.sealed)

    def remove_staging(self, run_id: str) -> None:
        shutil.rmtree(self.staging_dir(run_id), ignore_errors=True)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _make_read_only(root: Path) -> None:
    ro_file = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for p in sorted(root.rglob("*"), reverse=True):
        if p.is_file():
            p.chmod(ro_file)
        elif p.is_dir():
            p.chmod(ro_file | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    root.chmod(ro_file | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
