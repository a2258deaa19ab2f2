"""Observability: a run's spans (run > step > tool), its JSON logs and its metrics summary land
in the run; with an OTLP endpoint configured the spans also reach that collector."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from mi_kernel.pipeline import run_pipeline
from mi_kernel.runstore import RunStore, verify_run
from mi_kernel.telemetry import read_spans
from mi_kernel.viz.console import timeline
from tests.pipeline.test_runner import _notebook

HEAD = 'run_id = ""\nruns_root = ""\nstep = ""\n'
FETCH = """
import mi_kernel as mi
from mi_kernel import tools
ctx = mi.session(run_id or None, step=step, runs_root=runs_root or None)
tools.fetch_market_data(["AAPL", "MSFT"], "2010-01-01", "2010-03-01")
"""
QUALITY = """
import mi_kernel as mi
from mi_kernel import tools
ctx = mi.session(run_id or None, step=step, runs_root=runs_root or None)
tools.quality_report(f"run://{run_id}/data/bars.parquet")
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    nb = tmp_path / "notebooks"
    nb.mkdir()
    _notebook(nb / "fetch.ipynb", HEAD, FETCH)
    _notebook(nb / "quality.ipynb", HEAD, QUALITY)
    (nb / "pipelines.yml").write_text(
        """
traced:
  parameters: {}
  steps:
    - {name: ingest, notebook: fetch.ipynb, products: [data/bars.parquet]}
    - {name: quality, notebook: quality.ipynb, after: [ingest], writes: [quality]}
"""
    )
    return nb


def test_spans_logs_and_metrics_land_in_the_run(folder: Path, store: RunStore) -> None:
    m = run_pipeline("traced", {}, store=store, folder=folder, echo=None)
    d = store.sealed_dir(m.run_id)
    assert "_meta/traces.jsonl" in m.products and verify_run(store, m.run_id).ok
    spans = read_spans(d)
    by_name = {s["name"]: s for s in spans}
    run = by_name["run traced"]
    assert run["parent_id"] is None and run["attributes"]["mi.run_id"] == m.run_id
    trace_id = run["context"]["trace_id"]
    assert {s["context"]["trace_id"] for s in spans} == {trace_id}  # one trace, across kernels
    for step in ("ingest", "quality"):
        s = by_name[f"step {step}"]
        assert s["parent_id"] == run["context"]["span_id"]
        assert s["attributes"]["mi.status"] == "succeeded"
    fetch, quality = by_name["tool fetch_market_data"], by_name["tool quality_report"]
    assert fetch["parent_id"] == by_name["step ingest"]["context"]["span_id"]
    assert quality["parent_id"] == by_name["step quality"]["context"]["span_id"]
    assert fetch["attributes"]["mi.step"] == "ingest"
    assert any(x.startswith("catalog://sp500_ohlcv") for x in fetch["attributes"]["mi.datasets"])
    assert quality["attributes"]["mi.arg.dataset_uri"].endswith("/data/bars.parquet")
    # structured logs per step
    lines = (d / "_meta/logs/ingest.jsonl").read_text().splitlines()
    events = [json.loads(x)["event"] for x in lines]
    assert events[0] == "step.started" and "tool.done" in events and events[-1] == "step.succeeded"
    # the metrics summary is in the manifest
    assert set(m.metrics["steps"]) == {"ingest", "quality"}
    assert m.metrics["cache"] == {"reused": 0, "executed": 2}
    assert any(uri.startswith("catalog://sp500_ohlcv") for uri in m.metrics["rows_read"])
    assert m.metrics["spans"] == len(spans)
    # the runs console's timeline: quality starts once ingest has ended
    t = timeline(m).set_index("step")
    assert t.loc["ingest", "start"] == 0.0
    assert t.loc["quality", "start"] >= t.loc["ingest", "end"] - 1e-6
    assert (t["end"] - t["start"]).round(6).equals(t["seconds"].round(6))
    # a re-run is served from the cache: its steps' spans say so
    again = run_pipeline("traced", {}, store=store, folder=folder, echo=None)
    assert again.metrics["cache"] == {"reused": 2, "executed": 0}
    step_spans = [
        s for s in read_spans(store.sealed_dir(again.run_id)) if s["name"].startswith("step")
    ]
    assert {s["attributes"]["mi.reused_from"] for s in step_spans} == {m.run_id}


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, int]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, len(body)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def test_spans_reach_an_otlp_endpoint_when_configured(folder: Path, tmp_path: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            **os.environ,
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{server.server_port}",
            "MI_RUNS_ROOT": str(tmp_path / "runs"),
        }
        cmd = [sys.executable, "-m", "mi_kernel.cli", "run", "traced", "--notebooks", str(folder)]
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    finally:
        server.shutdown()
    paths = {p for p, _ in _Collector.received}
    assert paths == {"/v1/traces"} and sum(n for _, n in _Collector.received) > 0
