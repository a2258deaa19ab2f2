"""Every agent notebook, executed through Papermill in the demo pipeline on a small universe.

One pipeline run (the session-scoped ``demo`` fixture of tests/conftest.py) feeds all checks:
the run is sealed and verifiable, every declared product exists and matches its canonical
schema, the report and tear sheets work offline, and the ledger holds the model registrations
and the draft publication; the governance flow then approves model and book and publishes
through the gate.
"""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from mi_kernel.governance.publish import instruction_paths
from mi_kernel.pipeline import load_pipeline
from mi_kernel.reporting import DECISION_SUPPORT
from mi_kernel.runstore import RunStore, verify_run
from mi_kernel.schemas import ModelCard, PortfolioInstruction, validate
from tests.conftest import SMALL
from tests.reporting.offline_checks import external_resources, runtime_loaders

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("notebooks")]


def test_run_is_sealed_verifiable_and_complete(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    m = store.manifest(run_id)
    assert m.status == "succeeded"
    assert [s.name for s in m.steps] == [s.name for s in load_pipeline("demo").steps]
    assert all(s.status == "succeeded" and s.seconds > 0 for s in m.steps)
    # every dataset a step read through mi_kernel.data, each content once, with its hash
    assert {"sp500_ohlcv", "sp500_index", "sp500_sectors"} <= {i.name for i in m.inputs}
    assert all(len(i.sha256) == 64 for i in m.inputs)
    assert len({(i.name, i.sha256) for i in m.inputs}) == len(m.inputs)
    assert m.lock_sha256 and m.code_version
    for step in load_pipeline("demo").steps:
        for product in step.products:
            product = product.format(run_id=run_id, **m.parameters)
            assert product in m.products, product
        assert f"notebooks/{step.notebook}" in m.products
    assert verify_run(store, run_id).ok


def test_executed_notebooks_have_no_errors(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    for path in sorted((store.sealed_dir(run_id) / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        errors = [
            o
            for c in nb.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.output_type == "error"
        ]
        assert errors == [], path.name
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


def test_tables_match_their_canonical_schemas(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    d = store.sealed_dir(run_id)
    validate(pd.read_parquet(d / "data/bars.parquet"), "bars")
    validate(pd.read_parquet(d / "quality/clean_bars.parquet"), "bars")
    validate(pd.read_parquet(d / "quality/quarantine.parquet"), "quarantine")
    validate(pd.read_parquet(d / "features/core.parquet"), "features")
    [signals] = list((d / "signals").rglob("*.parquet"))
    sig = validate(pd.read_parquet(signals), "signals")
    assert sig["confidence"].between(0, 1).all()
    assert all(len(json.loads(t)) > 0 for t in sig["top_features"])
    validate(pd.read_parquet(d / "portfolio/targets.parquet"), "weights")
    bars = pd.read_parquet(d / "data/bars.parquet")
    assert set(bars["symbol"]) == set(SMALL["symbols"].split(","))


def test_model_card_ledger_and_publication(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    d = store.sealed_dir(run_id)
    selection = json.loads((d / "training/selection.json").read_text())
    card = ModelCard.model_validate_json(
        (d / f"models/{selection['model_version']}/model_card.json").read_text()
    )
    assert card.train_start < card.train_end and card.metrics
    kinds = [e.kind for e in store.ledger.entries()]
    assert "model_registered" in kinds and "publication" in kinds
    [instr] = instruction_paths(d)
    pi = PortfolioInstruction.model_validate_json(instr.read_text())
    # proposed by the pipeline, not yet approved: a draft, with nobody's approval
    assert pi.status == "draft" and pi.approvals == ()
    assert "BAC" not in {t.symbol for t in pi.targets}
    assert all(abs(t.weight) <= 0.02 + 1e-9 for t in pi.targets)
    # the instruction says how the book was built and what it risked when approved
    assert pi.construction["method"] == "max_sharpe"
    assert pi.construction["optimizer"]["expected_returns"] == "black_litterman"
    assert {"var", "concentration", "liquidity", "stress"} <= set(pi.risk)


def test_governance_flow_publishes_through_the_gate(demo: tuple[RunStore, str]) -> None:
    """The demo's model is validated and approved by two other identities, its book approved
    by the risk officer, and the targets published through the gate in a new run."""
    from mi_kernel.governance import registry
    from mi_kernel.governance.publish import (
        approve_run_book,
        instruction_path,
        publish_run,
        selected_model,
    )
    from mi_kernel.governance.validation import validate_model
    from tests.governance.conftest import acting_as

    store, run_id = demo
    version = selected_model(store, run_id)
    assert registry.model(store.ledger, version).maker == "ada"
    with acting_as("grace"):
        validate_model(store, version, "DEMO-1")
    with acting_as("rita"):
        registry.set_status(store.ledger, version, "approved", "DEMO-1")
        approve_run_book(store, run_id, "DEMO-2")
    with acting_as("ada"):
        pub_run, portfolio_version = publish_run(store, run_id)
    pi = PortfolioInstruction.model_validate_json(
        instruction_path(store.sealed_dir(pub_run), portfolio_version).read_text()
    )
    assert pi.status == "published" and pi.approvals == ("rita",)
    assert pi.construction["model_status"] == "approved"
    [entry] = [e for e in store.ledger.find("publication") if e.detail["run_id"] == pub_run]
    assert entry.actor == "ada" and entry.detail["signature"]["identity"] == "ada"
    assert store.ledger.verify() == []


def test_book_risk_and_policies_are_in_the_run(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    d = store.sealed_dir(run_id)
    built = json.loads((d / "portfolio/book/construction.json").read_text())
    assert built["method"] == "max_sharpe" and built["summary"]["gross"] <= 1.0 + 1e-9
    risk = json.loads((d / "portfolio/risk.json").read_text())
    assert len(risk["var"]) == 16 and set(risk["stress"]) >= {"base", "gfc_2008"}
    frontier = pd.read_parquet(d / "portfolio/book/frontier.parquet")
    assert frontier["return"].is_monotonic_increasing
    model = next(d.glob("backtests/model*/report.json"))
    report = json.loads(model.read_text())
    assert report["rebalances_uri"] and isinstance(report["policy_events"], list)
    pd.read_parquet(model.parent / "policy_events.parquet")  # written even when empty
    checks = json.loads((d / "backtests/var_backtest.json").read_text())
    assert set(checks) == {"95%", "99%"} and checks["95%"]["n"] > 0
    assert "The book and its risk" in (d / "report/09_report.html").read_text()


def test_report_and_tearsheets_render_offline(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    d = store.sealed_dir(run_id)
    report = (d / "report/09_report.html").read_text()
    assert f"<title>Run report · run {run_id}</title>" in report  # it says which run it is
    assert run_id in report and store.manifest(run_id).code_version in report
    # caveats first, each said once, for readers: no developer advice, no raw identifiers
    assert report.index("Caveats — read these first") < report.index(">Headline<")
    assert report.lower().count("survivorship") == 1
    assert "Pass universe" not in report and "probabilistic_sharpe" not in report
    for heading in ("Performance against the S&amp;P 500", "The book and its risk",
                    "Signals, and why", "What the research found"):  # fmt: skip
        assert heading in report, heading
    assert "mi.finish" not in report  # code-free
    assert "cdn.holoviz.org" not in report  # Panel's stylesheets and shim inlined
    pages = [report, *(p.read_text() for p in d.glob("backtests/*/tearsheet.html"))]
    assert len(pages) >= 3
    for page in pages:  # nothing fetched on opening; decision support, said first
        assert external_resources(page) == [] and runtime_loaders(page) == []
        assert page.index("<body") < page.index(DECISION_SUPPORT) < page.index("<h1")
    assert all("S&amp;P 500" in p or "S&P 500" in p for p in pages[1:])  # not "BENCHMARK"
    bt = json.loads(next(d.glob("backtests/model*/report.json")).read_text())
    for key in ("sharpe", "sortino", "max_drawdown", "turnover", "hit_rate", "deflated_sharpe"):
        assert key in bt


def test_the_top_signals_evidence_is_empty_with_the_reason(demo: tuple[RunStore, str]) -> None:
    """The demo's only text is the 1987 Reuters stories: no passage is evidence for a 2010
    signal, and the report says why for each of the strongest signals instead of inventing."""
    store, run_id = demo
    d = store.sealed_dir(run_id)
    ev = json.loads((d / "evidence/evidence.json").read_text())
    sig = pd.read_parquet(d / ev["signals_uri"].split("/", 3)[3])
    top = sig.loc[sig["score"].abs().sort_values(ascending=False).index, "symbol"].head(10)
    assert [s["symbol"] for s in ev["signals"]] == top.tolist()
    assert ev["passages_embedded"] == 0 and all(s["passages"] == [] for s in ev["signals"])
    for s in ev["signals"]:
        assert s["reason"].startswith(f"no document linked to {s['symbol']} was known"), s
    report = (d / "report/09_report.html").read_text()
    assert report.index("Signals, and why") < report.index("Evidence for the top signals")
    assert "0 of the 10 strongest signals have text evidence" in report
    assert report.count("No evidence: no document linked to") == 10


def test_surveillance_of_the_backtests_opens_exceptions_closed_with_signatures(
    demo: tuple[RunStore, str],
) -> None:
    from mi_kernel.compliance import RestrictionList
    from mi_kernel.governance.exceptions import advance, exceptions_table, surveil_run
    from mi_kernel.governance.roles import AccessDenied
    from tests.governance.conftest import acting_as

    store, run_id = demo
    fills = pd.read_parquet(next(store.sealed_dir(run_id).glob("backtests/model*/fills.parquet")))
    traded = fills["symbol"].value_counts().index[0]
    first = fills.loc[fills["symbol"] == traded, "ts"].min()
    blackout = RestrictionList.from_records(
        [{"symbol": traded, "start": first, "end": first, "kind": "blackout", "reason": "test"}]
    )
    with acting_as("ada"), pytest.raises(AccessDenied):
        surveil_run(store, run_id, blackout)
    with acting_as("carl"):
        found, new = surveil_run(store, run_id, blackout)
        assert (found["rule"] == "restricted_window_trade").any() and len(new) == len(found)
        assert surveil_run(store, run_id, blackout)[1] == []  # each finding is opened once
        one = found.loc[found["rule"] == "restricted_window_trade", "finding_id"].iloc[0]
        advance(store.ledger, one, "checked with the desk: test blackout")
        closed = advance(store.ledger, one, "no breach of policy; closed")
    assert closed.detail["state"] == "closed" and closed.detail["signature"]["identity"] == "carl"
    table = exceptions_table(store.ledger).set_index("exception_id")
    assert table.loc[one, "state"] == "closed" and (table["state"] == "open").sum() == len(new) - 1
    assert store.ledger.verify() == []
