"""Every agent on the synthetic market (technical recipe, no planted alpha): the honest answer.

The market is pure noise by construction, so the run must end sealed and verifiable, and
neither the research step nor the backtests may call the selected model skilful.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mi_kernel.pipeline import run_pipeline
from mi_kernel.reporting import run_overview
from mi_kernel.runstore import RunStore, verify_run
from mi_kernel.viz.signal_explorer import load_explorer, text_evidence

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("synthetic")]


def test_noise_market_runs_end_to_end_and_finds_nothing(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = RunStore(tmp_path_factory.mktemp("synthetic") / "runs")
    manifest = run_pipeline(
        "synthetic", {"estimators": "ridge", "n_splits": "3"}, store=store, echo=None
    )
    assert manifest.status == "succeeded" and verify_run(store, manifest.run_id).ok
    run = run_overview(store.sealed_dir(manifest.run_id))
    assert run.parameters["source"] == "synthetic_bars"
    assert run.research["headline"]["significant"] is False
    assert run.model_backtest["deflated_sharpe"] < 0.95
    assert run.quality["rows_in"] == run.quality["rows_clean"] + run.quality["rows_quarantined"]
    _check_evidence(store.sealed_dir(manifest.run_id))
    ex = load_explorer(store, manifest.run_id)  # its features are the technical recipe's
    [version] = ex.signals
    cited = [s for s in ex.evidence["signals"] if s["passages"]]
    found = text_evidence(ex, version, cited[0]["symbol"])
    assert found is not None and found["signals"] == cited[:1]


def _check_evidence(d: Path) -> None:
    """The strongest signals' evidence: passages of documents the news step linked to the
    signal's name, known in the 30 days up to its date (never later), each the exact span of
    its document; the report quotes every one."""
    ev = json.loads((d / "evidence/evidence.json").read_text())
    docs = pd.read_parquet(d / "news/documents.parquet").set_index("doc_id")
    links = set(
        map(tuple, pd.read_parquet(d / "news/signals.parquet")[["doc_id", "symbol"]].values)
    )
    cited = [(s, p) for s in ev["signals"] for p in s["passages"]]
    assert len(ev["signals"]) == 10 and len(cited) >= 5  # the market's own news names them
    for s, p in cited:
        c, asof = p["citation"], pd.Timestamp(s["asof"])
        assert asof - pd.Timedelta(days=30) < pd.Timestamp(c["known_at"]) <= asof
        assert (c["doc_id"], s["symbol"]) in links
        assert docs.loc[c["doc_id"], "body"][c["start"] : c["end"]] == p["text"]
    assert all(s["reason"].startswith("no document") for s in ev["signals"] if not s["passages"])
    report = (d / "report/09_report.html").read_text()
    assert report.count("<blockquote>") == len(cited)
