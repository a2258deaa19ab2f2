"""The MCP server exposes the eight tools; calls write into a run that seals and verifies."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mcp.server.mcpserver.exceptions import ToolError

from mi_kernel.mcp import build_server
from mi_kernel.runstore import RunStore, verify_run

EIGHT = {
    "fetch_market_data",
    "quality_report",
    "compute_features",
    "train_model",
    "score_signals",
    "run_backtest",
    "pretrade_check",
    "publish_portfolio",
}


def _call(server: Any, name: str, args: dict[str, Any]) -> Any:
    result = asyncio.run(server.call_tool(name, args))
    assert not result.is_error, result.content
    content = result.structured_content
    # str and list results are wrapped as {"result": ...}; dict results are the content.
    return content["result"] if set(content) == {"result"} else content


def test_lists_the_eight_tools_and_run_helpers(store: RunStore) -> None:
    server, _ = build_server(store)
    names = {t.name for t in asyncio.run(server.list_tools())}
    assert names == EIGHT | {"ask_documents", "seal_run", "list_runs"}


def test_calls_write_into_the_session_run_which_seals(store: RunStore) -> None:
    server, session = build_server(store)
    uri = _call(server, "fetch_market_data", {"symbols": ["AAPL", "IBM"], "source": "bokeh_ohlcv"})
    assert uri.startswith("run://") and uri.endswith("data/bars.parquet")
    report = _call(server, "quality_report", {"dataset_uri": uri})
    assert 0.0 <= report["score"] <= 1.0 and report["rows_in"] > 6000
    sealed = _call(server, "seal_run", {})
    assert verify_run(store, sealed["run_id"]).ok
    [listed] = _call(server, "list_runs", {})
    assert listed["run_id"] == sealed["run_id"] and session.ctx is None


def test_platform_errors_reach_the_agent_with_their_message(store: RunStore) -> None:
    server, _ = build_server(store)
    with pytest.raises(ToolError, match=r"UnknownSymbolError: .*NOPE"):
        asyncio.run(server.call_tool("fetch_market_data", {"symbols": ["NOPE"]}))


def test_mi_mcp_speaks_the_protocol_on_stdio(tmp_path: Any) -> None:
    import json
    import subprocess
    import sys

    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"},
        },
    }
    proc = subprocess.run(
        [sys.executable, "-m", "mi_kernel.cli", "--runs-root", str(tmp_path), "mcp"],
        input=json.dumps(hello) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    reply = json.loads(proc.stdout.splitlines()[0])
    assert reply["id"] == 1 and reply["result"]["serverInfo"]["name"] == "mi", proc.stderr


def test_calls_check_the_servers_role_and_stay_in_the_runs_root(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = build_server(store)
    with pytest.raises(ToolError, match="AccessDenied: 'grace' may not run"):
        monkeypatch.setenv("MI_IDENTITY", "grace")  # a validator does not run research
        asyncio.run(server.call_tool("fetch_market_data", {"symbols": ["AAPL"]}))
    monkeypatch.setenv("MI_IDENTITY", "ada")
    for run_id in ("../../x", "../outside"):
        with pytest.raises(ToolError, match="not a run id"):
            asyncio.run(server.call_tool("quality_report", {"dataset_uri": "x", "run_id": run_id}))
    with pytest.raises(ToolError, match=r"escapes|only artifacts"):
        asyncio.run(server.call_tool("quality_report", {"dataset_uri": "/etc/passwd"}))


def test_ask_documents_answers_with_citations_as_of_a_date(store: RunStore) -> None:
    from tests.rag.corpus import make_corpus

    docs, questions = make_corpus(14, seed=5)
    server, session = build_server(store)
    q = questions[0]
    with session.run() as ctx:
        uri = ctx.write_table(docs, "news/documents.parquet")
    args = {"question": q.text, "asof": "2030-01-01", "documents_uri": uri}
    answer = _call(server, "ask_documents", args)
    assert answer["status"] == "answered"
    top = answer["sentences"][0]
    assert top["text"] == q.fact and top["citation"]["doc_id"] == q.doc_id
    body = docs.set_index("doc_id").loc[q.doc_id, "body"]
    assert body[top["start"] : top["end"]] == q.fact
    before = (q.known_at - pd.Timedelta(seconds=1)).isoformat()
    early = _call(server, "ask_documents", {**args, "asof": before})
    assert q.doc_id not in {s["citation"]["doc_id"] for s in early["sentences"]}
    refused = _call(server, "ask_documents", {**args, "question": "Who wrote Hamlet?"})
    assert refused["status"] == "insufficient_evidence" and refused["sentences"] == []
    from mi_kernel.rag import embed_passages

    with session.run() as ctx:  # embedded once, kept as an artifact: indexed as it is
        embedded = ctx.write_table(embed_passages(docs), "news/passages.parquet")
    again = _call(server, "ask_documents", {**args, "documents_uri": embedded})
    assert again["sentences"] == answer["sentences"]
    assert session.ctx is not None
    asked = [e for e in session.ctx.events() if e.event_type == "rag.answered"]
    assert len(asked) == 4 and asked[2].payload["status"] == "insufficient_evidence"
    assert asked[0].lineage_parents == (uri,) and asked[0].payload["cited"][0].startswith(q.doc_id)
    sealed = _call(server, "seal_run", {})
    assert verify_run(store, sealed["run_id"]).ok


def test_compute_features_reads_news_for_the_news_recipes(store: RunStore) -> None:
    from mi_kernel import data

    bars = data.read("synthetic_bars", n_symbols=4, n_days=40, seed=2, news_per_symbol_year=0.0)
    dates = sorted(bars["ts"].unique())
    name = sorted(bars["symbol"].unique())[0]
    # one story on `name`, known during the session of the 10th bar: counted from the 11th
    story = pd.DataFrame(
        {
            "ts_known": [dates[9] + pd.Timedelta(hours=1)],
            "symbol": [name],
            "sentiment": [0.5],
            "relevance": [0.8],
            "novelty": [1.0],
            "is_event": [1.0],
        }
    )
    server, session = build_server(store)
    with session.run() as ctx:
        bars_uri = ctx.write_table(bars, "data/bars.parquet")
        news_uri = ctx.write_table(story, "news/signals.parquet")
    with pytest.raises(ToolError, match="pass news_uri="):
        asyncio.run(server.call_tool("compute_features", {"parquet_uri": bars_uri,
                                                          "recipe_id": "core_news"}))  # fmt: skip
    args = {"parquet_uri": bars_uri, "recipe_id": "core_news", "news_uri": news_uri}
    uri = _call(server, "compute_features", args)
    assert uri.endswith("features/core_news.parquet")
    with session.run() as ctx:
        table = pd.read_parquet(ctx.resolve(uri)).set_index(["ts", "symbol"]).sort_index()
        assert ctx.read_meta(uri)["news_uri"] == news_uri
    counts = table["news_count_5"].xs(name, level="symbol")
    assert counts.iloc[:10].eq(0).all() and counts.iloc[10:15].eq(np.float32(0.8)).all()
    assert counts.iloc[15:].eq(0).all() and "mom_5" in table.columns
    others = table["news_count_5"].drop(index=name, level="symbol")
    assert others.eq(0).all()
