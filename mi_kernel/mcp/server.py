"""The eight tools over the Model Context Protocol (stdio), for LLM agents and IDEs.

    mi mcp            # serve on stdio; point an MCP client at this command

Every tool call writes into a run, like any other caller of :mod:`mi_kernel.tools`: pass
``run_id`` to join an open (staging) run, or leave it empty to use the session's own run,
started at the first call. ``seal_run`` seals the session's run; ``list_runs`` lists sealed
runs. ``ask_documents`` answers a question from a documents table of the run as of a date,
with citations (:mod:`mi_kernel.rag`). Errors come back as tool errors carrying the
platform's message (what was wrong and what to do), so the agent can correct itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from mi_kernel import tools
from mi_kernel.errors import MIError
from mi_kernel.governance import runs_table
from mi_kernel.runstore import RunContext, RunStore, use_run

if TYPE_CHECKING:
    from mi_kernel.rag import DocumentIndex


@lru_cache(maxsize=4)
def _document_index(path: str, mtime_ns: int, size: int) -> DocumentIndex:
    """The passages of a documents artifact, embedded once per file version and process.

    A table of embedded passages (:func:`mi_kernel.rag.embed_passages`) is indexed as it is.
    """
    from mi_kernel.rag import index_documents, index_passages
    from mi_kernel.runstore.context import read_parquet

    table = read_parquet(Path(path), path)
    return index_passages(table) if "vector" in table.columns else index_documents(table)


class McpSession:
    """The run the MCP session writes into (started lazily, sealed by ``seal_run``)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.ctx: RunContext | None = None

    @contextmanager
    def run(self, run_id: str = "") -> Iterator[RunContext]:
        """Make the requested run (or the session's) current; turn MIErrors into ToolErrors."""
        try:
            if run_id:
                ctx = self.store.attach(run_id, step="mcp")
            else:
                if self.ctx is None:
                    self.ctx = self.store.start("mcp", {})
                ctx = self.ctx
            with use_run(ctx):
                yield ctx
        except MIError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from exc

    def seal(self) -> dict[str, Any]:
        if self.ctx is None:
            raise ToolError("this session has no open run: call a tool first")
        m = self.store.seal(self.ctx.run_id)
        self.ctx = None
        return {"run_id": m.run_id, "status": m.status, "files": len(m.products),
                "root_hash": m.root_hash}  # fmt: skip


def _tools(s: McpSession) -> list[Callable[..., Any]]:
    def fetch_market_data(
        symbols: list[str] | None = None,
        start: str | None = None,
        end: str | None = None,
        source: str = "sp500_ohlcv",
        run_id: str = "",
    ) -> str:
        """Load canonical daily bars from a catalog source into the run; return the URI."""
        with s.run(run_id):
            return tools.fetch_market_data(symbols, start, end, source=source)

    def quality_report(dataset_uri: str, run_id: str = "") -> dict[str, Any]:
        """Check a bars table; quarantine bad rows with reasons; return score and anomalies."""
        with s.run(run_id):
            return tools.quality_report(dataset_uri)

    def compute_features(
        parquet_uri: str, recipe_id: str = "core", news_uri: str = "", run_id: str = ""
    ) -> str:
        """Compute a feature recipe (as of each date) over a bars table; return its URI.

        ``news_uri`` is a news signals table (``news/signals.parquet`` of a run: one row per
        story and linked symbol, with ``ts_known``), read by the recipes that count stories
        (``news``, ``core_news``); a story counts from the first bar at or after it was known.
        """
        with s.run(run_id):
            return tools.compute_features(parquet_uri, recipe_id, news_uri=news_uri)

    def train_model(
        feature_table_uri: str,
        label_def: str = "fwd_ret_5d",
        config: dict[str, Any] | None = None,
        run_id: str = "",
    ) -> str:
        """Train walk-forward (purged, embargoed); register the model; return its version."""
        with s.run(run_id):
            return tools.train_model(feature_table_uri, label_def, config)

    def score_signals(model_version: str, asof: str | None = None, run_id: str = "") -> str:
        """Score a registered model on the features known at asof; return the signals URI."""
        with s.run(run_id):
            return tools.score_signals(model_version, asof)

    def run_backtest(
        strategy_id: str,
        start: str | None = None,
        end: str | None = None,
        costs: dict[str, Any] | None = None,
        constraints: dict[str, Any] | None = None,
        run_id: str = "",
        book: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Backtest a strategy (or model:<version>) on the run's bars; return the report.

        ``costs`` states every rate (commission_bps, commission_per_share, min_commission,
        spread_bps, impact_coef, buy_tax_bps, sell_tax_bps, dividend_tax, borrow_bps) or a
        base that fills the rest: {"base": "default" | "zero", ...}; a partial mapping is
        refused; none = the default cost model. The report's cost_model is what was applied.
        ``book`` is a book definition (limits, construction, optimizer, policies): the same
        book a published portfolio is built from, with its policies acting in the backtest.
        """
        import json

        with s.run(run_id) as ctx:
            uri = tools.run_backtest(strategy_id, start, end, costs, constraints, book=book)
            report: dict[str, Any] = json.loads(ctx.resolve(uri).read_text())
            return {"uri": uri, **report}

    def pretrade_check(
        signals_topic: str, book: dict[str, Any], run_id: str = ""
    ) -> dict[str, Any]:
        """Check proposed positions against a book: ok, or the violations."""
        with s.run(run_id):
            return tools.pretrade_check(signals_topic, book)

    def publish_portfolio(
        targets: str,
        book: dict[str, Any],
        run_id: str = "",
        risk_uri: str = "",
        model_version: str = "",
    ) -> str:
        """Publish targets as a Portfolio Instruction, through the pre-trade check and the gate.

        Published when the book definition and ``model_version`` are approved (e-signed, by
        someone other than the server's identity); a draft otherwise in dev, refused in
        stage and prod. The instruction records the book's construction and its risk.
        """
        with s.run(run_id):
            return tools.publish_portfolio(
                targets, book, risk_uri=risk_uri or None, model_version=model_version or None
            )

    def ask_documents(
        question: str,
        asof: str,
        documents_uri: str,
        tickers: list[str] | None = None,
        run_id: str = "",
    ) -> dict[str, Any]:
        """Answer a question from a documents table as of a date, citing every sentence.

        ``documents_uri``: a documents parquet (doc_id, source, published_at, known_at, title,
        body, tickers, ref) or the embedded passages made from one (``rag.embed_passages``).

        Only documents known at ``asof`` (known_at <= asof; a bare date is its midnight UTC)
        are evidence. The answer is extractive: the best sentences of the top passages, each
        with doc_id, passage_id and the char span [start, end) in the body. ``status`` is
        "insufficient_evidence" (with ``reason``) when nothing relevant is known at asof.
        """
        from mi_kernel.rag import answer_question

        with s.run(run_id) as ctx:
            path = ctx.resolve(documents_uri)
            st = path.stat()
            index = _document_index(str(path), st.st_mtime_ns, st.st_size)
            answer = answer_question(index, question, asof, tickers=tickers or ())
            ctx.emit(
                "rag.answered",
                {"question": question, "asof": answer.asof.isoformat(), "status": answer.status,
                 "best_score": answer.best_score,
                 "cited": [x.citation.passage_id for x in answer.sentences]},
                parents=[documents_uri],
                dataset_hash=ctx.hash_of(documents_uri),
            )  # fmt: skip
            return answer.model_dump(mode="json")

    def seal_run() -> dict[str, Any]:
        """Seal this session's run (immutable from now on) and return its manifest summary."""
        return s.seal()

    def list_runs() -> list[dict[str, Any]]:
        """List sealed runs, newest first."""
        table = runs_table(s.store).astype({"created": str})
        return table.to_dict("records")  # type: ignore[return-value]

    return [fetch_market_data, quality_report, compute_features, train_model, score_signals,
            run_backtest, pretrade_check, publish_portfolio, ask_documents, seal_run,
            list_runs]  # fmt: skip


def build_server(store: RunStore | None = None) -> tuple[MCPServer[Any], McpSession]:
    """Return the MCP server exposing the tools, and the session holding its run."""
    session = McpSession(store or RunStore())
    server: MCPServer[Any] = MCPServer("mi", instructions=__doc__, tools=None, log_level="WARNING")
    for fn in _tools(session):
        server.add_tool(fn)
    return server, session


def main() -> None:
    """Serve the tools on stdio (``mi mcp``)."""
    server, _ = build_server()
    server.run("stdio")
