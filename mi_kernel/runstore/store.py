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

from pydantic import ValidationError

from mi_kernel.errors import RunError, SealedRunError
from mi_kernel.governance.anchor import Witness, checkpoint, default_witness
from mi_kernel.governance.ledger import Ledger
from mi_kernel.governance.roles import Action, current_identity, require
from mi_kernel.governance.secrets import scan_for_secrets
from mi_kernel.runstore.context import RunContext
from mi_kernel.runstore.hashing import sha256_file, sha256_tree
from mi_kernel.runstore.jsonl import read_jsonl
from mi_kernel.runstore.manifest import (
    MANIFEST,
    InputDataset,
    Manifest,
    Status,
    StepRecord,
    code_version,
    lock_sha256,
)
from mi_kernel.runstore.paths import (
    RUN_ID_RE,
    check_run_id,
    default_root,
    environment,
    inside,
    project_root,
)

STAGING = ".staging"
ENVIRONMENT_FILE = "ENVIRONMENT"
MODELS_JOURNAL = "_meta/models.jsonl"
METRICS = "_meta/metrics.json"  # the runner's summary, copied into the manifest
URI_RE = re.compile(r"^run://(?P<run_id>[^/]+)/(?P<path>.+)$")
_UNSET: Any = object()


def meta_relpath(relpath: str) -> str:
    """Where a table's sidecar metadata lives: ``x/name.parquet`` -> ``x/name.meta.json``."""
    return relpath.removesuffix(".parquet") + ".meta.json"


def new_run_id(pipeline: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", pipeline).strip("-") or "run"
    return f"{stamp}-{slug}-{secrets.token_hex(3)}"


class RunStore:
    """All runs under one root, the ledger beside them, and the witness that anchors it."""

    def __init__(
        self,
        root: str | Path | None = None,
        witness: Witness | None = _UNSET,
        environment: str | None = None,
    ) -> None:
        """``environment`` (dev, stage, prod) defaults to ``MI_ENV``; it picks the default root."""
        self._env = environment
        self.root = Path(root).resolve() if root else default_root(environment)
        self.ledger = Ledger(self.root / "ledger.jsonl")
        self.witness: Witness | None = (
            default_witness(self.environment) if witness is _UNSET else witness
        )

    def __repr__(self) -> str:
        return f"RunStore({str(self.root)!r})"

    @property
    def environment(self) -> str:
        """dev, stage or prod: fixed when the root's first run starts (file ``ENVIRONMENT``)."""
        marker = self.root / ENVIRONMENT_FILE
        return marker.read_text().strip() if marker.exists() else (self._env or environment())

    # -- locating -------------------------------------------------------------------------
    def staging_dir(self, run_id: str) -> Path:
        return self.root / STAGING / check_run_id(run_id)

    def sealed_dir(self, run_id: str) -> Path:
        return self.root / check_run_id(run_id)

    def is_sealed(self, run_id: str) -> bool:
        return (self.sealed_dir(run_id) / MANIFEST).exists()

    def run_dir(self, run_id: str, reader: str | None = None) -> Path:
        """A sealed run's folder; a staging run's only for the run itself (``reader``)."""
        if self.is_sealed(run_id):
            return self.sealed_dir(run_id)
        if run_id == reader and self.staging_dir(run_id).is_dir():
            return self.staging_dir(run_id)
        if self.staging_dir(run_id).is_dir():
            raise RunError(
                f"run {run_id!r} is not sealed yet; another run may only read sealed runs "
                "(their bytes can no longer change)"
            )
        raise RunError(
            f"no run {run_id!r} under {self.root}: list runs with `mi runs list` "
            "(or set MI_RUNS_ROOT to the folder that holds it)"
        )

    def resolve(self, uri: str, reader: str | None = None) -> Path:
        """Map ``run://<run_id>/<path>`` to a local path inside that run.

        Only sealed runs resolve, and the staging run named ``reader`` (a run reads its own
        products while it is written). A plain path must lie inside the runs root.
        """
        m = URI_RE.match(str(uri))
        if not m:
            p = Path(str(uri).removeprefix("file://")).resolve()
            if self.root not in p.parents:
                raise RunError(
                    f"{uri!r} is not a run:// URI; only artifacts of runs under {self.root} "
                    "can be read (address them as run://<run_id>/<path>)"
                )
            if not p.exists():
                raise RunError(f"{uri!r} does not exist")
            return p
        base = self.run_dir(m["run_id"], reader=reader)
        path = inside(base, m["path"], f"artifact path in {uri!r}")
        if not path.exists():
            raise RunError(f"artifact {uri!r} does not exist (looked at {path})")
        return path

    def read_meta(self, uri: str, reader: str | None = None) -> dict[str, Any]:
        """Sidecar metadata written beside a table (``<name>.meta.json``); {} when there is none."""
        path = self.resolve(uri, reader=reader)
        side = path.with_name(meta_relpath(path.name))
        return dict(json.loads(side.read_text())) if side.exists() else {}

    # -- lifecycle ------------------------------------------------------------------------
    def start(
        self,
        pipeline: str,
        parameters: dict[str, Any] | None = None,
        run_id: str | None = None,
        action: Action = Action.RUN,
    ) -> RunContext:
        """Create a staging run and return its context (the identity must hold ``action``)."""
        who = require(action)
        run_id = check_run_id(run_id or new_run_id(pipeline))
        if self.sealed_dir(run_id).exists() or self.staging_dir(run_id).exists():
            raise RunError(f"run {run_id!r} already exists under {self.root}; runs are immutable")
        self._claim_environment()
        d = self.staging_dir(run_id)
        (d / "_meta").mkdir(parents=True)
        meta = {
            "run_id": run_id,
            "pipeline": pipeline,
            "parameters": parameters or {},
            "created": datetime.now(UTC).isoformat(),
            "identity": who,
            "environment": self.environment,
            "pid": os.getpid(),
        }
        (d / "_meta" / "run.json").write_text(json.dumps(meta, indent=2, default=str))
        return RunContext(self, run_id)

    def _claim_environment(self) -> None:
        marker = self.root / ENVIRONMENT_FILE
        env = self._env or environment()
        if marker.exists():
            if marker.read_text().strip() != env:
                raise RunError(
                    f"runs root {self.root} is the {marker.read_text().strip()} environment but "
                    f"MI_ENV={env}; environments keep separate run roots"
                )
            return
        self.root.mkdir(parents=True, exist_ok=True)
        marker.write_text(env + "\n")

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
        """Scan, hash every byte, write the manifest, log it, move into place, make read-only.

        The order makes a crash at any point recoverable (``mi runs fsck``): before the
        ledger line the run is an unsealed staging run; after it, the staging folder holds
        exactly the bytes the ledger names and the repair finishes the move.
        """
        src = self.staging_dir(run_id)
        if not src.is_dir():
            raise RunError(f"cannot seal {run_id!r}: no staging run at {src}")
        scan_for_secrets(src)
        manifest = self._manifest(run_id, src, status, error)
        mpath = src / MANIFEST
        _write_synced(mpath, manifest.model_dump_json(indent=2).encode())
        self.ledger.append(
            "run",
            run_id,
            actor=current_identity(),
            detail={
                "status": status,
                "pipeline": manifest.pipeline,
                "root_hash": manifest.root_hash,
                "manifest_sha256": sha256_file(mpath),
                "environment": self.environment,
            },
        )
        self.finish_seal(run_id)
        return manifest

    def finish_seal(self, run_id: str) -> None:
        """Move a logged run into place, make it read-only, log its models, anchor the ledger."""
        src, dst = self.staging_dir(run_id), self.sealed_dir(run_id)
        if src.is_dir():
            os.replace(src, dst)
        _make_read_only(dst)
        m = self.manifest(run_id)
        if m.status == "succeeded":
            self.register_models(run_id)
        checkpoint(self.ledger, self.witness)

    def register_models(self, run_id: str) -> int:
        """Log the models a sealed run trained (once each); return how many were new."""
        known = {e.subject for e in self.ledger.find("model_registered")}
        path = self.sealed_dir(run_id) / MODELS_JOURNAL
        new = [r for r in read_jsonl(path) if r["model_version"] not in known]
        lineage = [i.model_dump(mode="json") for i in self.manifest(run_id).inputs]
        for rec in new:
            detail = {**rec, "inputs": lineage}
            self.ledger.append("model_registered", rec["model_version"], rec["maker"], detail)
        return len(new)

    def _manifest(self, run_id: str, src: Path, status: Status, error: str | None) -> Manifest:
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
                InputDataset.model_validate(x) for x in read_jsonl(src / "_meta/inputs.jsonl")
            ),
            steps=tuple(
                StepRecord.model_validate(x) for x in read_jsonl(src / "_meta/steps.jsonl")
            ),
            products=sha256_tree(src),
            error=error,
            metrics=json.loads(metrics.read_text()) if (metrics := src / METRICS).exists() else {},
        )
        return manifest.with_root_hash()

    # -- reading --------------------------------------------------------------------------
    def manifest(self, run_id: str) -> Manifest:
        path = self.sealed_dir(run_id) / MANIFEST
        if not path.exists():
            raise RunError(f"run {run_id!r} is not sealed (no {path})")
        try:
            return Manifest.model_validate_json(path.read_bytes())
        except (ValidationError, ValueError) as exc:
            raise RunError(
                f"the manifest of run {run_id!r} is unreadable ({str(exc).splitlines()[0]}); "
                "`mi runs verify` reports what changed"
            ) from None

    def run_ids(self) -> list[str]:
        """Names of the sealed run folders (a manifest present), oldest name first."""
        if not self.root.is_dir():
            return []
        return [
            d.name
            for d in sorted(self.root.iterdir())
            if d.is_dir() and not d.is_symlink() and (d / MANIFEST).exists()
        ]

    def runs(self) -> Iterator[Manifest]:
        """Sealed runs with a readable manifest, oldest first (see :meth:`broken`)."""
        for run_id in self.run_ids():
            try:
                yield self.manifest(run_id)
            except RunError:
                continue

    def having(self, *relpaths: str) -> list[Manifest]:
        """Sealed runs holding every one of ``relpaths`` (files or folders), newest first:
        the runs a face can show (a book, signals, a selected model...)."""
        runs = sorted(self.runs(), key=lambda m: m.sealed, reverse=True)
        return [m for m in runs if all((self.sealed_dir(m.run_id) / p).exists() for p in relpaths)]

    def broken(self) -> dict[str, str]:
        """Sealed run folders whose manifest cannot be read, with the reason."""
        out = {}
        for run_id in self.run_ids():
            try:
                self.manifest(run_id)
            except RunError as exc:
                out[run_id] = str(exc)
        return out

    def latest(self, pipeline: str | None = None, status: str = "succeeded") -> Manifest:
        found = [m for m in self.runs() if m.status == status and pipeline in (None, m.pipeline)]
        if not found:
            raise RunError(f"no {status} run of pipeline {pipeline or 'any'!r} under {self.root}")
        return max(found, key=lambda m: m.sealed)

    def staging_runs(self) -> list[str]:
        d = self.root / STAGING
        if not d.is_dir():
            return []
        return sorted(p.name for p in d.iterdir() if p.is_dir() and RUN_ID_RE.match(p.name))

    def remove_staging(self, run_id: str) -> None:
        shutil.rmtree(self.staging_dir(run_id), ignore_errors=True)


def _write_synced(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _make_read_only(root: Path) -> None:
    ro_file = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    for p in sorted(root.rglob("*"), reverse=True):
        if p.is_file():
            p.chmod(ro_file)
        elif p.is_dir():
            p.chmod(ro_file | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    root.chmod(ro_file | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
