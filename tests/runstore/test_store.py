from __future__ import annotations

import json
import os

import pandas as pd
import pytest

import mi_kernel as mi
from mi_kernel.errors import RunError, SealedRunError
from mi_kernel.runstore import RunStore, verify_all, verify_run
from mi_kernel.runstore.manifest import Manifest


def _make_run(store: RunStore, rows: int = 3) -> str:
    ctx = store.start("unit", {"rows": rows})
    with mi.use_run(ctx):
        uri = ctx.write_table(pd.DataFrame({"x": range(rows)}), "products/x.parquet")
        ctx.write_json({"uri": uri}, "products/meta.json")
        ctx.record_input("toy", "catalog://toy", "ab" * 32, rows=rows)
        ctx.emit("toy.written", {"uri": uri}, parents=["catalog://toy"], dataset_hash="ab" * 32)
    store.seal(ctx.run_id)
    return ctx.run_id


def test_seal_moves_run_into_place_with_manifest_and_ledger(store: RunStore) -> None:
    run_id = _make_run(store)
    assert not store.staging_dir(run_id).exists()
    m = store.manifest(run_id)
    assert m.status == "succeeded" and m.parameters == {"rows": 3}
    assert set(m.products) == {
        "_meta/run.json",
        "_meta/inputs.jsonl",
        "events/main.jsonl",
        "products/x.parquet",
        "products/meta.json",
    }
    assert m.inputs[0].name == "toy" and m.inputs[0].rows == 3
    assert m.root_hash == m.compute_root_hash()
    [entry] = store.ledger.find("run", run_id)
    assert entry.detail["root_hash"] == m.root_hash
    assert verify_run(store, run_id).ok
    assert os.stat(store.sealed_dir(run_id) / "products/x.parquet").st_mode & 0o222 == 0


def test_a_manifest_written_before_the_schema_grew_keeps_its_hash(store: RunStore) -> None:
    """Fields added to the manifest later (the step cache's, the metrics) are absent from an
    older manifest; reading it must not change its root hash, or every older run would stop
    verifying after an upgrade."""
    import json

    from mi_kernel.runstore.hashing import sha256_json
    from mi_kernel.runstore.manifest import Manifest

    new = json.loads(store.manifest(_make_run(store)).model_dump_json())
    old = {k: v for k, v in new.items() if k not in ("metrics", "root_hash")}
    old["steps"] = [
        {k: v for k, v in s.items() if k not in ("key", "datasets", "digest", "reused_from")}
        for s in old["steps"]
    ]
    old["root_hash"] = sha256_json({k: v for k, v in old.items() if k != "root_hash"})
    read = Manifest.model_validate(old)  # as an older manifest reads today
    assert read.compute_root_hash() == old["root_hash"]
    forged = dict(old, parameters={"rows": 4})
    assert Manifest.model_validate(forged).compute_root_hash() != old["root_hash"]


def test_uri_resolves_before_and_after_sealing(store: RunStore) -> None:
    ctx = store.start("unit")
    uri = ctx.write_table(pd.DataFrame({"x": [1]}), "a/b.parquet")
    assert ctx.resolve(uri) == store.staging_dir(ctx.run_id) / "a/b.parquet"
    with pytest.raises(RunError, match="not sealed yet"):  # another run may not read it
        store.resolve(uri)
    store.seal(ctx.run_id)
    assert store.resolve(uri) == store.sealed_dir(ctx.run_id) / "a/b.parquet"
    with pytest.raises(RunError, match="does not exist"):
        store.resolve(f"run://{ctx.run_id}/nope.parquet")


def test_sealed_run_cannot_be_written_or_attached(store: RunStore) -> None:
    ctx = store.start("unit")
    store.seal(ctx.run_id)
    with pytest.raises(SealedRunError):
        ctx.path("late.txt")
    with pytest.raises(SealedRunError, match="immutable"):
        store.attach(ctx.run_id)


def test_products_cannot_escape_the_run(store: RunStore) -> None:
    ctx = store.start("unit")
    with pytest.raises(RunError, match="escapes"):
        ctx.path("../../outside.txt")


@pytest.mark.parametrize("tamper", ["change_byte", "delete_file", "add_file", "edit_manifest"])
def test_tampering_is_detected(store: RunStore, tamper: str) -> None:
    run_id = _make_run(store)
    d = store.sealed_dir(run_id)
    target = d / "products/meta.json"
    target.chmod(0o644)
    d.chmod(0o755)
    if tamper == "change_byte":
        raw = bytearray(target.read_bytes())
        raw[5] ^= 0x01
        target.write_bytes(bytes(raw))
        expected = "was changed"
    elif tamper == "delete_file":
        target.unlink()
        expected = "is missing"
    elif tamper == "add_file":
        (d / "extra.txt").write_text("sneaked in")
        expected = "was added"
    else:
        mpath = d / "manifest.json"
        mpath.chmod(0o644)
        body = json.loads(mpath.read_text())
        body["parameters"]["rows"] = 99
        mpath.write_text(json.dumps(body))
        expected = "edited"
    report = verify_run(store, run_id)
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_recomputed_manifest_is_caught_by_the_ledger(store: RunStore) -> None:
    run_id = _make_run(store)
    d = store.sealed_dir(run_id)
    mpath = d / "manifest.json"
    mpath.chmod(0o644)
    m = Manifest.model_validate_json(mpath.read_text())
    forged = m.model_copy(update={"parameters": {"rows": 1000}, "root_hash": ""})
    forged = forged.model_copy(update={"root_hash": forged.compute_root_hash()})
    mpath.write_text(forged.model_dump_json())
    problems = verify_run(store, run_id).problems
    assert any("differs from the one in the ledger" in p for p in problems), problems


def test_edited_ledger_line_breaks_the_chain(store: RunStore) -> None:
    first, second = _make_run(store), _make_run(store)
    assert store.ledger.verify() == []
    lines = store.ledger.path.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["detail"]["status"] = "failed"
    lines[0] = json.dumps(edited)
    store.ledger.path.write_text("\n".join(lines) + "\n")
    problems = store.ledger.verify()
    assert any("line 1" in p and "edited" in p for p in problems), problems
    reports = {r.run_id: r for r in verify_all(store)}
    assert not reports["ledger"].ok
    assert reports[second].ok and first in reports


def test_deleted_ledger_line_breaks_the_chain(store: RunStore) -> None:
    for _ in range(3):
        _make_run(store)
    lines = store.ledger.path.read_text().splitlines()
    store.ledger.path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert any("seq" in p or "chain" in p for p in store.ledger.verify())


def test_a_deleted_run_is_reported(store: RunStore) -> None:
    import shutil

    from tests.conftest import _writable

    run_id = _make_run(store)
    _writable(store.sealed_dir(run_id))
    shutil.rmtree(store.sealed_dir(run_id))
    bad = [r for r in verify_all(store) if not r.ok]
    assert [r.run_id for r in bad] == [run_id]


def test_existing_run_id_is_refused(store: RunStore) -> None:
    ctx = store.start("unit", run_id="fixed-id")
    with pytest.raises(RunError, match="already exists"):
        store.start("unit", run_id=ctx.run_id)
    with pytest.raises(RunError, match="is not a run id"):
        store.start("unit", run_id="../evil")


def test_session_adhoc_then_finish_seals(store: RunStore) -> None:
    ctx = mi.session(step="study", runs_root=str(store.root))
    assert mi.current_run() is ctx
    ctx.write_json({"a": 1}, "out.json")
    msg = mi.finish(ctx, adhoc=True)
    assert "sealed ad-hoc run" in msg and store.is_sealed(ctx.run_id)


def test_no_active_run_is_a_clear_error() -> None:
    import contextvars

    def probe() -> None:
        from mi_kernel.runstore.context import _CURRENT

        _CURRENT.set(None)
        with pytest.raises(RunError, match="no active run"):
            mi.current_run()

    contextvars.Context().run(probe)
