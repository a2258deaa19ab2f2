"""Verify sealed runs: every byte against the manifest, the manifest against the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field

from mi_kernel.runstore.hashing import sha256_tree
from mi_kernel.runstore.manifest import MANIFEST, Manifest
from mi_kernel.runstore.store import RunStore


@dataclass(frozen=True)
class VerifyReport:
    run_id: str
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_run(store: RunStore, run_id: str) -> VerifyReport:
    """Check one sealed run; every problem names the file and what changed."""
    d = store.sealed_dir(run_id)
    mpath = d / MANIFEST
    if not mpath.exists():
        return VerifyReport(run_id, (f"{run_id}: manifest.json is missing",))
    problems: list[str] = []
    try:
        manifest = Manifest.model_validate_json(mpath.read_text())
    except ValueError as exc:
        return VerifyReport(run_id, (f"{run_id}: manifest.json is unreadable: {exc}",))
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
    for rel in sorted(set(actual) - set(manifest.products)):
        problems.append(f"{run_id}: {rel} was added after sealing")
    logged = [e for e in store.ledger.find("run", run_id)]
    if not logged:
        problems.append(f"{run_id}: no ledger entry records this run")
    elif logged[-1].detail.get("root_hash") != manifest.root_hash:
        problems.append(f"{run_id}: root hash differs from the one in the ledger")
    return VerifyReport(run_id, tuple(problems))


def verify_all(store: RunStore) -> list[VerifyReport]:
    """Verify the ledger chain and every sealed run (and every run the ledger names)."""
    reports = [VerifyReport("ledger", tuple(store.ledger.verify()))]
    seen = {m.run_id for m in store.runs()}
    seen |= {e.subject for e in store.ledger.entries() if e.kind == "run"}
    reports += [verify_run(store, rid) for rid in sorted(seen)]
    return reports
