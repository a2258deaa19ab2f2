"""Roles, e-signatures, the model inventory, maker/checker, the gate, retention and holds."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import mi_kernel as mi
from mi_kernel import tools
from mi_kernel.errors import ComplianceError, ConfigError, IntegrityError
from mi_kernel.governance import registry, retention, signing
from mi_kernel.governance.roles import AccessDenied, Action, require
from mi_kernel.governance.validation import validate_model
from mi_kernel.runstore import RunStore, verify_all
from mi_kernel.schemas.records import utcnow
from tests.governance.conftest import acting_as


def _approve(store: RunStore, version: str) -> None:
    with acting_as("grace"):
        validate_model(store, version, "CHG-1")
    with acting_as("rita"):
        registry.set_status(store.ledger, version, "approved", "CHG-1")


def test_roles_refuse_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MI_IDENTITY", "mallory")
    with pytest.raises(AccessDenied, match=r"'mallory' may not run.*researcher.*roles.yml"):
        require(Action.RUN)
    monkeypatch.setenv("MI_IDENTITY", "grace")
    with pytest.raises(AccessDenied, match="may not run"):
        RunStore().start("unit")  # a validator does not run research
    assert require(Action.VALIDATE_MODEL) == "grace"


def test_signature_binds_content_and_key(tmp_path: Path) -> None:
    now = utcnow()
    payload = {"model": "m-1", "ticket": "CHG-1"}
    signing.create_key("grace"), signing.create_key("rita")
    sig = signing.sign("grace", payload, now)
    assert signing.check(sig, payload, sig.public_key) == ""
    assert "changed after signing" in signing.check(sig, {**payload, "ticket": "CHG-2"})
    forged = sig.model_copy(update={"public_key": signing.public_key_b64("rita")})
    assert "not the one registered" in signing.check(forged, payload, sig.public_key)
    assert "does not verify" in signing.check(forged, payload)


def test_registration_happens_at_seal_with_lineage(fresh: tuple[RunStore, str]) -> None:
    store, version = fresh
    rec = registry.model(store.ledger, version)
    assert rec.status == "draft" and rec.maker == "ada"
    assert {i["name"] for i in rec.detail["inputs"]} >= {"sp500_ohlcv"}
    assert all(len(i["sha256"]) == 64 for i in rec.detail["inputs"])
    assert len(rec.detail["estimator_sha256"]) == 64 and rec.detail["risk_tier"] == "medium"


def test_maker_checker_and_signed_lifecycle(fresh: tuple[RunStore, str]) -> None:
    store, version = fresh
    with acting_as("rita"), pytest.raises(ComplianceError, match="only from"):
        registry.set_status(store.ledger, version, "approved", "CHG-1")  # not validated yet
    with acting_as("grace"):
        run_id, _entry = validate_model(store, version, "CHG-1")
        report = json.loads((store.sealed_dir(run_id) / f"validation/{version}.json").read_text())
        assert report["deflated"]["n_trials"] == 1 and report["folds"]["n"] == 3
        assert set(report["regimes"]) <= {"up", "down", "flat"} and report["findings"]
        with pytest.raises(AccessDenied, match=r"validated .* may not also approve"):
            registry.set_status(store.ledger, version, "approved", "CHG-1")
    with acting_as("ada"), pytest.raises(AccessDenied, match="may not approve_model"):
        registry.set_status(store.ledger, version, "approved", "CHG-1")
    with acting_as("rita"):
        with pytest.raises(ConfigError, match="ticket"):
            registry.set_status(store.ledger, version, "approved", " ")
        approved = registry.set_status(store.ledger, version, "approved", "CHG-1")
    assert (
        approved.detail["model_sha256"]
        == registry.model(store.ledger, version).detail["estimator_sha256"]
    )
    assert approved.detail["signature"]["identity"] == "rita"
    table = registry.inventory(store.ledger)
    row = table.set_index("model_version").loc[version]
    assert (
        row["status"] == "approved" and row["approved_by"] == "rita" and not row["review_overdue"]
    )
    late = registry.inventory(store.ledger, now=utcnow() + timedelta(days=400))
    assert late.set_index("model_version").loc[version, "review_overdue"]
    assert all(r.ok for r in verify_all(store))


def test_maker_cannot_check_their_own_model(fresh: tuple[RunStore, str]) -> None:
    store, version = fresh
    with acting_as("ada"), pytest.raises(AccessDenied, match="may not validate_model"):
        validate_model(store, version, "CHG-1")


def test_a_forged_approval_is_detected(fresh: tuple[RunStore, str]) -> None:
    """Rewriting an approval's signer breaks its signature, even with every hash recomputed."""
    from mi_kernel.governance.ledger import _entry_hash

    store, version = fresh
    _approve(store, version)
    lines = store.ledger.path.read_text().splitlines()
    out, prev = [], None
    for line in lines:
        raw = json.loads(line)
        if raw["kind"] == "model_status" and raw["detail"]["status"] == "approved":
            raw["detail"]["ticket"] = "CHG-FORGED"
        if prev is not None:
            raw["prev_hash"] = prev
        raw["hash"] = _entry_hash(raw)
        prev = raw["hash"]
        out.append(json.dumps(raw))
    store.ledger.path.write_text("\n".join(out) + "\n")
    problems = store.ledger.verify()
    assert any("changed after signing" in p for p in problems)


def test_gate_in_prod_accepts_only_approved_models(
    fresh: tuple[RunStore, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, version = fresh
    (store.root / "ENVIRONMENT").chmod(0o644)
    (store.root / "ENVIRONMENT").write_text("prod\n")
    monkeypatch.setenv("MI_ENV", "prod")
    ctx = store.start("scoring")
    with mi.use_run(ctx), pytest.raises(ComplianceError, match="draft in prod"):
        tools.score_signals(version)
    _approve(store, version)
    with mi.use_run(ctx):
        uri = tools.score_signals(version)
        assert ctx.read_meta(uri)["model_status"] == "approved"
    monkeypatch.setenv("MI_ENV", "dev")
    with pytest.raises(Exception, match="environments keep separate run roots"):
        store.start("unit")


def test_a_changed_estimator_is_not_unpickled(fresh: tuple[RunStore, str]) -> None:
    store, version = fresh
    reg = registry.model(store.ledger, version).detail
    path = store.resolve(reg["uri"]) / "model.joblib"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"\x00")
    ctx = store.start("scoring")
    with mi.use_run(ctx), pytest.raises(IntegrityError, match="not unpickled"):
        tools.load_model(version)


def test_rollback_redeploys_the_previous_approved_version(fresh: tuple[RunStore, str]) -> None:
    from tests.governance.conftest import train_into

    store, first = fresh
    _approve(store, first)
    with acting_as("rita"):
        registry.set_status(store.ledger, first, "deployed", "CHG-2")
    second = train_into(store, n_splits=4)  # a retrain: same model name, a new version
    assert second != first
    assert registry.model(store.ledger, second).detail["name"] == "ridge"
    _approve(store, second)
    with acting_as("rita"):
        registry.set_status(store.ledger, second, "deployed", "CHG-3")
        out, back = registry.rollback(store.ledger, second, "CHG-4")
    assert (out.subject, back.subject) == (second, first)
    assert registry.model(store.ledger, first).status == "deployed"
    assert registry.model(store.ledger, second).status == "retired"


def test_hold_purge_and_tombstone(fresh: tuple[RunStore, str]) -> None:
    store, _version = fresh
    [run_id] = [m.run_id for m in store.runs()]
    later = utcnow() + timedelta(days=4000)
    with acting_as("ada"), pytest.raises(AccessDenied, match="may not purge"):
        retention.purge(store, now=later)
    with acting_as("carl"):
        with pytest.raises(ComplianceError, match="not expired"):
            retention.purge(store, [run_id])
        retention.hold(store.ledger, "class:runs", "SEC inquiry", "MATTER-7")
        table = retention.retention_table(store, now=later)
        assert table["held"].all() and table["record_class"].tolist() == ["runs"]
        assert retention.purge(store, now=later) == []
        with pytest.raises(ComplianceError, match="legal hold"):
            retention.purge(store, [run_id], now=later)
        retention.release(store.ledger, "class:runs", "matter closed")
        assert retention.purge(store, now=later) == [run_id]
    assert not store.sealed_dir(run_id).exists()
    reports = {r.run_id: r for r in verify_all(store)}
    assert reports[run_id].ok and "retention: runs" in reports[run_id].note
    [tomb] = store.ledger.find("tombstone", run_id)
    assert tomb.detail["signature"]["identity"] == "carl" and tomb.detail["root_hash"]


def test_secrets_refuse_the_seal(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from mi_kernel.governance.secrets import SecretFound

    monkeypatch.setenv("VENDOR_API_TOKEN", "s3cr3t-value-123")
    ctx = store.start("unit")
    ctx.write_json({"note": "debug dump", "env": "s3cr3t-value-123"}, "debug.json")
    with pytest.raises(SecretFound, match=r"debug.json: the value of \$VENDOR_API_TOKEN") as err:
        store.seal(ctx.run_id)
    assert "s3cr3t-value-123" not in str(err.value)
    assert not store.is_sealed(ctx.run_id) and store.staging_dir(ctx.run_id).is_dir()
    ctx2 = store.start("unit")
    ctx2.path("key.pem").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    with pytest.raises(SecretFound, match="private key block"):
        store.seal(ctx2.run_id)


def test_catalog_marks_personal_data() -> None:
    import yaml

    from mi_kernel.runstore import project_root

    root = project_root()
    assert root is not None
    entries = yaml.safe_load((root / "catalog.yml").read_text())["entries"]
    unmarked = [n for n, e in entries.items() if "pii" not in (e.get("metadata") or {})]
    assert unmarked == [], "every catalog entry says whether it holds personal data"
    assert pd.Series({n: e["metadata"]["pii"] for n, e in entries.items()}).map(type).eq(bool).all()


def test_promotion_to_stage_is_a_signed_approval(
    fresh: tuple[RunStore, str], tmp_path: Path
) -> None:
    from mi_kernel.governance.promotion import promote

    store, version = fresh
    stage = RunStore(tmp_path / "runs-stage", environment="stage")
    with acting_as("rita"), pytest.raises(ComplianceError, match="approve it first"):
        promote(store, stage, version, "CHG-9")
    _approve(store, version)
    prod = RunStore(tmp_path / "runs-prod", environment="prod")
    with acting_as("rita"):
        with pytest.raises(ComplianceError, match="one step at a time"):
            promote(store, prod, version, "CHG-9")
        run_id, entry = promote(store, stage, version, "CHG-9")
    assert entry.detail["promoted_from"]["environment"] == "dev"
    assert entry.detail["promotion_run"] == run_id and stage.is_sealed(run_id)
    assert registry.gate_model(stage.ledger, version, "stage") == "approved"
    assert stage.environment == "stage" and (stage.root / "ENVIRONMENT").read_text() == "stage\n"
    with acting_as("ada"):  # researchers score the promoted model in stage on stage's features
        ctx = stage.start("scoring")
        with mi.use_run(ctx):
            from tests.governance.conftest import SYMBOLS

            bars = tools.fetch_market_data(SYMBOLS, None, None, source="sp500_ohlcv")
            feats = tools.compute_features(tools.quality_report(bars)["clean_uri"], "core")
            uri = tools.score_signals(version, features_uri=feats)
            assert ctx.read_meta(uri)["model_status"] == "approved"
        stage.seal(ctx.run_id)
    assert all(r.ok for r in verify_all(stage))


def test_a_failed_run_is_kept_30_days_then_purged(fresh: tuple[RunStore, str]) -> None:
    """A failed run (bad data, a bug) is evidence, not a record: `mi records purge` removes it
    after the `failed` period, while the succeeded research run is kept for years."""
    store, _version = fresh
    [kept] = [m.run_id for m in store.runs()]
    ctx = store.start("demo", {"symbols": ["AAPL"]})
    ctx.write_json({"partial": True}, "features/core.json")
    failed = store.seal(ctx.run_id, status="failed", error="KeyError: nan").run_id
    table = retention.retention_table(store).set_index("run_id")
    assert table.loc[failed, "record_class"] == "failed"
    assert table.loc[kept, "record_class"] == "runs"
    with acting_as("carl"):
        with pytest.raises(ComplianceError, match="not expired"):
            retention.purge(store, [failed])
        assert retention.purge(store, now=utcnow() + timedelta(days=31)) == [failed]
    assert not store.sealed_dir(failed).exists() and store.sealed_dir(kept).exists()
    assert "retention: failed 30 days" in store.ledger.find("tombstone", failed)[0].detail["reason"]
