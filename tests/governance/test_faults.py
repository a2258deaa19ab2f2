"""The fault suite: tampering, crashes, concurrency and path tricks, each detected or refused."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mi_kernel as mi
from mi_kernel.cli import main as cli
from mi_kernel.errors import RunError
from mi_kernel.governance.ledger import _entry_hash
from mi_kernel.runstore import RunStore, verify_all, verify_run
from mi_kernel.runstore.fsck import fsck
from mi_kernel.runstore.hashing import sha256_file
from mi_kernel.runstore.manifest import MANIFEST, Manifest
from tests.governance.conftest import acting_as

PROJECT = Path(__file__).resolve().parents[2]


def _writable(p: Path) -> None:
    for q in [p, *p.parents][:4]:
        if q.exists():
            q.chmod(q.stat().st_mode | 0o200)


def _bad(store: RunStore) -> list[str]:
    return [p for r in verify_all(store) for p in r.problems]


def _flip(path: Path, rng: random.Random) -> bytes:
    raw = path.read_bytes()
    i = rng.randrange(len(raw))
    path.chmod(0o644)
    path.write_bytes(raw[:i] + bytes([raw[i] ^ (1 << rng.randrange(8))]) + raw[i + 1 :])
    return raw


def test_every_single_byte_flip_is_reported_never_raised(fresh: tuple[RunStore, str]) -> None:
    store, _ = fresh
    [run_id] = store.run_ids()
    d = store.sealed_dir(run_id)
    for p in d.rglob("*"):
        p.chmod(p.stat().st_mode | 0o200)  # flips need write access; put it back below
    files = [*sorted(p for p in d.rglob("*") if p.is_file()), store.ledger.path]
    kinds = {p.suffix for p in files}
    assert {".parquet", ".json", ".jsonl", ".joblib"} <= kinds
    rng = random.Random(7)
    flips = [f for f in files for _ in range(4)] + [d / MANIFEST, store.ledger.path] * 40
    for path in flips:
        original = _flip(path, rng)
        try:
            problems = _bad(store)  # never raises: every outcome is a report
        finally:
            path.write_bytes(original)
        assert problems, f"a flip in {path.name} went unnoticed"
    for p in d.rglob("*"):
        p.chmod(p.stat().st_mode & ~0o222)
    d.chmod(d.stat().st_mode & ~0o222)
    assert _bad(store) == []


@pytest.mark.parametrize(
    "tamper, expected",
    [
        ("delete", "is missing"),
        ("add", "added after sealing"),
        ("symlink", "is a symlink"),
        ("empty_dir", "empty folder"),
        ("writable", "made writable again"),
        ("whitespace", "manifest.json bytes differ"),
        ("reseal", "records this run 2 times"),
    ],
)
def test_layout_and_reseal_tampering(
    fresh: tuple[RunStore, str], tamper: str, expected: str
) -> None:
    store, _ = fresh
    [run_id] = store.run_ids()
    d = store.sealed_dir(run_id)
    d.chmod(0o755)
    target = next(p for p in sorted(d.rglob("*.json")) if p.name != MANIFEST)
    if tamper == "delete":
        target.chmod(0o644)
        target.parent.chmod(0o755)
        target.unlink()
    elif tamper == "add":
        (d / "extra.txt").write_text("x")
    elif tamper == "symlink":
        (d / "link").symlink_to("/etc/hostname")
    elif tamper == "empty_dir":
        (d / "later").mkdir()
    elif tamper == "writable":
        target.chmod(0o644)
    elif tamper == "whitespace":
        m = d / MANIFEST
        m.chmod(0o644)
        m.write_text(m.read_text() + "\n")
    elif tamper == "reseal":  # edit a product, rehash the manifest, append a second run line
        target.chmod(0o644)
        target.write_text(target.read_text().replace("}", ', "edited": 1}', 1))
        m = Manifest.model_validate_json((d / MANIFEST).read_text())
        products = dict(m.products)
        products[target.relative_to(d).as_posix()] = sha256_file(target)
        m = m.model_copy(update={"products": products})
        m = m.model_copy(update={"root_hash": m.compute_root_hash()})
        (d / MANIFEST).chmod(0o644)
        (d / MANIFEST).write_text(m.model_dump_json(indent=2))
        for p in d.rglob("*"):
            p.chmod(p.stat().st_mode & ~0o222)
        d.chmod(0o555)
        store.ledger.append(
            "run",
            run_id,
            "ada",
            {
                "status": "succeeded",
                "pipeline": m.pipeline,
                "root_hash": m.root_hash,
                "manifest_sha256": sha256_file(d / MANIFEST),
            },
        )
    if tamper != "writable":
        d.chmod(0o555)
    assert any(expected in p for p in _bad(store)), _bad(store)


def _rewrite_ledger(store: RunStore, edit) -> None:
    """Rewrite the ledger *consistently*: every hash and link recomputed after ``edit``."""
    out, prev = [], "0" * 64
    for line in store.ledger.path.read_text().splitlines():
        raw = edit(json.loads(line))
        if raw is None:
            continue
        raw["prev_hash"], raw["seq"] = prev, len(out)
        raw["hash"] = _entry_hash(raw)
        prev = raw["hash"]
        out.append(json.dumps(raw))
    store.ledger.path.write_text("\n".join(out) + "\n")


def test_a_consistent_rewrite_of_ledger_and_run_is_detected(fresh: tuple[RunStore, str]) -> None:
    store, _ = fresh
    [run_id] = store.run_ids()
    d = store.sealed_dir(run_id)
    for p in [d, *d.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)
    target = d / "_meta" / "run.json"
    target.write_text(target.read_text().replace('"unit"', '"unit-rewritten"'))
    m = Manifest.model_validate_json((d / MANIFEST).read_text())
    m = m.model_copy(update={"products": {**m.products, "_meta/run.json": sha256_file(target)}})
    m = m.model_copy(update={"root_hash": m.compute_root_hash()})
    (d / MANIFEST).write_text(m.model_dump_json(indent=2))
    for p in [*d.rglob("*"), d]:
        p.chmod(p.stat().st_mode & ~0o222)

    def edit(raw: dict) -> dict:
        if raw["kind"] == "run" and raw["subject"] == run_id:
            raw["detail"].update(root_hash=m.root_hash, manifest_sha256=sha256_file(d / MANIFEST))
        return raw

    _rewrite_ledger(store, edit)
    assert store.ledger.verify() == [] and verify_run(store, run_id).ok  # the chain alone passes
    problems = _bad(store)
    assert any("the ledger was rewritten" in p for p in problems)
    # and through the command line: exit code 1 and a BAD line
    assert cli(["--runs-root", str(store.root), "runs", "verify"]) == 1


def test_deleting_the_newest_run_with_its_ledger_lines_is_detected(
    fresh: tuple[RunStore, str],
) -> None:
    from tests.conftest import _writable as writable

    store, _ = fresh
    with acting_as("ada"):
        ctx = store.start("unit")
        ctx.write_json({"x": 1}, "x.json")
        store.seal(ctx.run_id)
    writable(store.sealed_dir(ctx.run_id))
    import shutil

    shutil.rmtree(store.sealed_dir(ctx.run_id))
    _rewrite_ledger(store, lambda raw: None if raw["subject"] == ctx.run_id else raw)
    assert store.ledger.verify() == []
    assert any("the ledger was truncated" in p for p in _bad(store))
    lines = store.ledger.path.read_text().splitlines()
    store.ledger.path.write_text("\n".join(lines[:-2]) + "\n")  # a plain truncation too
    assert any("truncated" in p for p in _bad(store))


CRASH = textwrap.dedent(
    """
    import os, signal, sys
    import mi_kernel as mi
    from mi_kernel.runstore import RunStore
    from mi_kernel.runstore import store as store_mod
    from mi_kernel.governance import ledger as ledger_mod

    point = sys.argv[1]
    def die(*a, **k):
        os.kill(os.getpid(), signal.SIGKILL)

    s = RunStore()
    ctx = s.start("crash")
    ctx.write_json({"x": 1}, "x.json")
    if point == "writing":
        die()
    if point == "before-ledger":
        ledger_mod.Ledger.append = lambda *a, **k: die()
    if point == "before-rename":
        real_finish = store_mod.RunStore.finish_seal
        store_mod.RunStore.finish_seal = lambda *a, **k: die()
    if point == "half-line":
        real = ledger_mod.os.fsync
        def torn(fd):
            os.ftruncate(fd, os.fstat(fd).st_size - 40)
            die()
        ledger_mod.os.fsync = torn
    if point == "before-readonly":
        store_mod._make_read_only = lambda *a, **k: die()
    s.seal(ctx.run_id)
    """
)


@pytest.mark.parametrize(
    "point", ["writing", "before-ledger", "half-line", "before-rename", "before-readonly"]
)
def test_a_killed_seal_leaves_nothing_claiming_to_be_sealed(
    store: RunStore, point: str, tmp_path: Path
) -> None:
    with acting_as("ada"):
        first = store.start("unit")
        store.seal(first.run_id)
    env = {**os.environ, "MI_RUNS_ROOT": str(store.root), "MI_IDENTITY": "ada"}
    proc = subprocess.run([sys.executable, "-c", CRASH, point], env=env, cwd=PROJECT, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    # nothing half-done claims to be sealed: every sealed folder verifies or is reported
    reports = verify_all(store)
    for run_id in store.run_ids():
        report = next(r for r in reports if r.run_id == run_id)
        assert report.ok or point == "before-readonly", report.problems
    found = fsck(store)
    assert found, "fsck reports what the crash left"
    with acting_as("ada"), pytest.raises(Exception, match="may not repair"):
        fsck(store, repair=True)
    with acting_as("root"):
        fsck(store, repair=True)
    if point == "before-readonly":  # the run was in place but writable: repaired by re-sealing
        pass
    assert [f for f in fsck(store) if f.kind != "in-progress"] == []
    with acting_as("ada"):  # the next run works
        nxt = store.start("unit")
        nxt.write_json({"ok": True}, "ok.json")
        store.seal(nxt.run_id)
    problems = _bad(store)
    assert problems == [], problems


def test_two_runs_sealing_at_once_keep_one_chain(store: RunStore) -> None:
    script = textwrap.dedent(
        """
        from mi_kernel.runstore import RunStore
        s = RunStore()
        for i in range(5):
            ctx = s.start("race")
            ctx.write_json({"i": i}, "i.json")
            s.seal(ctx.run_id)
        """
    )
    env = {**os.environ, "MI_RUNS_ROOT": str(store.root), "MI_IDENTITY": "ada"}
    procs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, cwd=PROJECT) for _ in range(2)
    ]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    assert len(store.run_ids()) == 10
    assert store.ledger.verify() == [] and _bad(store) == []
    seqs = [e.seq for e in store.ledger.entries()]
    assert seqs == list(range(len(seqs)))


@pytest.mark.parametrize("bad", ["../../x", "../x", "a/b", "..", "/etc", ".staging"])
def test_path_like_run_ids_are_refused(store: RunStore, bad: str) -> None:
    with pytest.raises(RunError, match="not a run id"):
        mi.session(run_id=bad, runs_root=str(store.root))
    with pytest.raises(RunError):
        store.resolve(f"run://{bad}/x.parquet")
    assert cli(["--runs-root", str(store.root), "runs", "show", bad]) == 2


def test_uris_stay_inside_their_run(store: RunStore, tmp_path: Path) -> None:
    (tmp_path / "outside.parquet").write_text("secret")
    with acting_as("ada"):
        ctx = store.start("unit")
        store.seal(ctx.run_id)
    for uri in (f"run://{ctx.run_id}/../../outside.parquet", str(tmp_path / "outside.parquet")):
        with pytest.raises(RunError, match=r"escapes|only artifacts of runs"):
            store.resolve(uri)


def test_a_staging_run_is_not_readable_by_another_run(store: RunStore) -> None:
    with acting_as("ada"):
        writer, reader = store.start("unit"), store.start("unit")
    uri = writer.write_json({"x": 1}, "x.json")
    assert writer.read_json(uri) == {"x": 1}
    with pytest.raises(RunError, match="not sealed yet"):
        reader.read_json(uri)


def test_a_bad_manifest_does_not_break_listing(fresh: tuple[RunStore, str], capsys) -> None:
    store, _ = fresh
    [run_id] = store.run_ids()
    m = store.sealed_dir(run_id) / MANIFEST
    _writable(m)
    m.write_bytes(m.read_bytes()[:50] + b"\xff\xfe" + m.read_bytes()[52:])
    assert cli(["--runs-root", str(store.root), "runs", "list"]) == 0
    assert "BROKEN" in capsys.readouterr().out
    assert cli(["--runs-root", str(store.root), "runs", "verify"]) == 1
