"""The run manifest: what ran, on what, with which code, and the hash of every byte it made."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.runstore.hashing import sha256_file, sha256_json

MANIFEST = "manifest.json"
Status = Literal["succeeded", "failed"]


class InputDataset(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    uri: str
    sha256: str
    rows: int | None = None


class StepRecord(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    notebook: str
    status: Literal["succeeded", "failed", "reused"]
    started: datetime
    seconds: float
    papermill_overhead_seconds: float | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    # the step cache (mi_kernel.pipeline.cache): what the step's products are a function of,
    # the catalog datasets it read (uri -> sha256), its products' digest, and the sealed run
    # its products were copied from when it was reused
    key: dict[str, Any] | None = None
    datasets: dict[str, str] = Field(default_factory=dict)
    digest: str | None = None
    reused_from: str | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    run_id: str
    pipeline: str
    parameters: dict[str, Any]
    status: Status
    created: datetime
    sealed: datetime
    code_version: str
    lock_sha256: str | None
    inputs: tuple[InputDataset, ...] = ()
    steps: tuple[StepRecord, ...] = ()
    products: dict[str, str]  # relative path -> sha256, every file in the run but the manifest
    error: str | None = None
    # the runner's summary (_meta/metrics.json): step durations, cache hits, rows read, spans
    metrics: dict[str, Any] = Field(default_factory=dict)
    root_hash: str = ""

    def compute_root_hash(self) -> str:
        """sha256 of the manifest's fields as written (``exclude_unset``): a field the schema
        gains later is unset when an older manifest is read, so it leaves that manifest's hash
        unchanged. A new manifest is hashed after a JSON round trip (:meth:`with_root_hash`), with
        every field set."""
        return sha256_json(self.model_dump(mode="json", exclude={"root_hash"}, exclude_unset=True))

    def with_root_hash(self) -> Manifest:
        """This manifest as it will be read back, with its root hash."""
        written = Manifest.model_validate_json(self.model_dump_json(exclude={"root_hash"}))
        return written.model_copy(update={"root_hash": written.compute_root_hash()})


def code_version(project_root: Path | None) -> str:
    """Git commit of the code (``+dirty`` if kernel or notebooks changed), else the version."""
    try:
        if project_root is None or not (project_root / ".git").exists():
            raise OSError("no git checkout")
        git = ["git", "-C", str(project_root)]
        rev = subprocess.run(
            [*git, "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no", "--", "mi_kernel", "notebooks"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return f"{rev}+dirty" if dirty else rev
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"mi_kernel-{version('mi_kernel')}"


def lock_sha256(project_root: Path | None) -> str | None:
    if project_root is None:
        return None
    lock = project_root / "requirements.lock"
    return sha256_file(lock) if lock.exists() else None
