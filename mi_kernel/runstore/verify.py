"""Verify sealed runs: every byte against the manifest, the manifest against the ledger, the
ledger against its signed checkpoints. Verification reports; it never raises on bad content.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from mi_kernel.errors import MIError
from mi_kernel.governance.anchor import verify_anchors
from mi_kernel.runstore.hashing import sha256_file, sha256_tree
from mi_kernel.runstore.manifest import MANIFEST, Manifest
from mi_kernel.runstore.paths import check_run_id
from mi_kernel.runstore.store import RunStore
from mi_kernel.schemas.records import AuditEntry


@dataclass(frozen=True)
class VerifyReport:
    run_id: str
    problems: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""  # e.g. "purged on ... (retention)": fine, but worth saying

    @property
    def ok(self) -> bool:
        return not self.problems


def _layout_problems(run_id: str, d: Path) -> list[str]:
    """Symlinks, empty folders and write permission inside a sealed run."""
    out: list[str] = []
    for p in sorted([d, *d.rglob("*")]):
        rel = p.relative_to(d).as_posix() or "."
        if p.is_symlink():
            out.append(f"{run_id}: {rel} is a symlink (a sealed run holds only regular files)")
            continue
        mode = p.lstat().st_mode
        if p.is_dir() and p != d and not any(p.iterdir()):
            out.append(f"{run_id}: {rel}/ is an empty folder added after sealing")
        if mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            out.append(f"{run_id}: {rel} was made writable again (sealed runs are read-only)")
    return out


def _ledger_problems(run_id: str, logged: list[AuditEntry], m: Manifest, mpath: Path) -> list[str]:
    if not logged:
        return [f"{run_id}: no ledger entry records this run"]
    out: list[str] = []
    if len(logged) > 1:
        seqs = ", ".join(str(e.seq) for e in logged)
        out.append(
            f"{run_id}: the ledger records this run {len(logged)} times (seq {seqs}): "
            "a run is sealed once; a second line means it was re-sealed"
        )
    first = logged[0].detail
    if first.get("root_hash") != m.root_hash:
        out.append(f"{run_id}: root hash differs from the one in the ledger")
    want = first.get("manifest_sha256")
    if want is not None and sha256_file(mpath) != want:
        out.append(f"{run_id}: manifest.json bytes differ from the ones the ledger recorded")
    return out


def verify_run(store: RunStore, run_id: str) -> VerifyReport:
    """Check one run; every problem names the file and what changed. Never raises."""
    try:
        return _verify_run(store, check_run_id(run_id))
    except (MIError, OSError, ValueError) as exc:
        return VerifyReport(str(run_id), (f"{run_id}: cannot be verified: {exc}",))


def _verify_run(store: RunStore, run_id: str) -> VerifyReport:
    entries = store.ledger.readable()
    logged = [e for e in entries if e.kind == "run" and e.subject == run_id]
    tomb = [e for e in entries if e.kind == "tombstone" and e.subject == run_id]
    d = store.sealed_dir(run_id)
    if tomb and not d.exists():
        t = tomb[-1]
        return VerifyReport(
            run_id, note=f"purged {t.ts:%Y-%m-%d} by {t.actor}: {t.detail.get('reason')}"
        )
    mpath = d / MANIFEST
    if not mpath.exists():
        if logged and store.staging_dir(run_id).is_dir():
            return VerifyReport(
                run_id,
                (
                    f"{run_id}: logged as sealed but still in .staging "
                    "(a crash while sealing): `mi runs fsck --repair`",
                ),
            )
        return VerifyReport(run_id, (f"{run_id}: manifest.json is missing",))
    try:
        manifest = Manifest.model_validate_json(mpath.read_bytes())
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        return VerifyReport(run_id, (f"{run_id}: manifest.json is unreadable: {first}",))
    problems: list[str] = []
    if manifest.compute_root_hash() != manifest.root_hash:
        problems.append(
            f"{run_id}: manifest.json was edited (root hash does not match its content)"
        )
    actual = sha256_tree(d)
    actual.pop(MANIFEST, None)
    for rel, digest in manifest.products.items():
        if rel not in actual:
            problems.append(f"{run_id}: {rel} is missing")
        elif actual[rel] != digest:
            problems.append(f"{run_id}: {rel} was changed (sha256 differs)")
    problems += [
        f"{run_id}: {rel} was added after sealing"
        for rel in sorted(set(actual) - set(manifest.products))
    ]
    problems += _layout_problems(run_id, d)
    problems += _ledger_problems(run_id, logged, manifest, mpath)
    if tomb:
        problems.append(f"{run_id}: a tombstone says it was purged, yet the folder is here")
    return VerifyReport(run_id, tuple(problems))


def verify_ledger(store: RunStore) -> list[VerifyReport]:
    """The chain and signatures, then the checkpoints (local and witness)."""
    try:
        chain = store.ledger.verify()
    except OSError as exc:
        chain = [f"ledger unreadable: {exc}"]
    anchors = verify_anchors(store.ledger, store.witness)
    note = (
        ""
        if store.witness is not None
        else (
            "no witness configured (MI_WITNESS_DIR): a consistent rewrite of ledger and runs "
            "cannot be detected"
        )
    )
    return [VerifyReport("ledger", tuple(chain)), VerifyReport("anchors", tuple(anchors), note)]


def verify_all(store: RunStore) -> list[VerifyReport]:
    """Verify the ledger, its anchors and every run on disk or named by the ledger."""
    reports = verify_ledger(store)
    seen = set(store.run_ids())
    seen |= {e.subject for e in store.ledger.readable() if e.kind in ("run", "tombstone")}
    reports += [verify_run(store, rid) for rid in sorted(seen)]
    return reports
