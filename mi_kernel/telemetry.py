"""Traces and structured logs of runs: OpenTelemetry spans and JSON log lines, in the run.

Spans nest run > step > tool call. The runner opens the run and step spans; a step's kernel
joins its step span (the runner writes the step's W3C ``traceparent`` to
``_meta/trace/<step>.json``) and each of the eight tools opens a span inside it. Every span
carries ``mi.run_id`` and ``mi.step``; tool spans also the tool's scalar arguments (model
version, recipe, URIs) and the hashes of the datasets the step has read.

Spans are exported as JSON lines to the run's ``_meta/traces.jsonl`` (always: the run keeps
its own trace, hashed and sealed with it) and, when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, to that OTLP/HTTP collector (Jaeger, Tempo,
an OpenTelemetry Collector...). Log lines — one JSON object each, with ``ts``, ``step``,
``event`` and fields — go to ``_meta/logs/<step>.jsonl``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from mi_kernel.runstore.jsonl import append_line, read_jsonl

TRACES = "_meta/traces.jsonl"
F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_provider: Any = None
_paths: dict[str, Path] = {}  # run id -> the run folder its spans are written to
_step_context: dict[str, Any] = {}  # run id -> the parent context of tool spans (a kernel)


def _run_file_exporter() -> Any:
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class RunFileExporter(SpanExporter):  # type: ignore[misc]
        """Each finished span, as one JSON line, into the trace file of its run."""

        def export(self, spans: Sequence[Any]) -> Any:
            for span in spans:
                run_dir = _paths.get(str((span.attributes or {}).get("mi.run_id")))
                if run_dir is not None and run_dir.is_dir():
                    append_line(run_dir / TRACES, json.loads(span.to_json(indent=None)))
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            return None

    return RunFileExporter()


def tracer() -> Any:
    """The platform's tracer (one provider per process, made on first use)."""
    global _provider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    with _lock:
        if _provider is None:
            provider = TracerProvider(resource=Resource.create({"service.name": "mi"}))
            provider.add_span_processor(SimpleSpanProcessor(_run_file_exporter()))
            if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
            ):
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                    OTLPSpanExporter,
                )

                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _provider = provider
    return _provider.get_tracer("mi_kernel")


def flush() -> None:
    """Send what the OTLP exporter still holds (the file exporter writes at once)."""
    if _provider is not None:
        _provider.force_flush()


def attach(run_id: str, run_dir: Path) -> None:
    """Spans of ``run_id`` are written to ``run_dir`` (the staging folder while it runs)."""
    _paths[run_id] = run_dir


def log(run_dir: Path, step: str, event: str, **fields: Any) -> None:
    """One structured log line of ``step`` into ``_meta/logs/<step>.jsonl``."""
    entry = {"ts": datetime.now(UTC).isoformat(), "step": step, "event": event, **fields}
    append_line(run_dir / "_meta" / "logs" / f"{step}.jsonl", entry)


@contextlib.contextmanager
def run_span(
    run_id: str, run_dir: Path, pipeline: str, parameters: dict[str, Any]
) -> Iterator[Any]:
    """The span of a whole pipeline run."""
    attach(run_id, run_dir)
    attrs = {
        "mi.run_id": run_id,
        "mi.pipeline": pipeline,
        "mi.parameters": json.dumps(parameters, default=str, sort_keys=True)[:4000],
    }
    with tracer().start_as_current_span(f"run {pipeline}", attributes=attrs) as span:
        yield span


@contextlib.contextmanager
def step_span(run_id: str, run_dir: Path, step: str, notebook: str, parent: Any) -> Iterator[Any]:
    """The span of one step, child of ``parent`` (the run span: steps run in threads); its
    context is written where the step's kernel finds it."""
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    attrs = {"mi.run_id": run_id, "mi.step": step, "mi.notebook": notebook}
    ctx = trace.set_span_in_context(parent)
    with tracer().start_as_current_span(f"step {step}", context=ctx, attributes=attrs) as span:
        carrier: dict[str, str] = {}
        TraceContextTextMapPropagator().inject(carrier, context=trace.set_span_in_context(span))
        path = run_dir / "_meta" / "trace" / f"{step}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(carrier))
        yield span


def join_step(run_id: str, run_dir: Path, step: str) -> None:
    """In a step's kernel: tool spans of ``run_id`` become children of the runner's step span
    (when the runner wrote one; an interactive session has its own root spans)."""
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    attach(run_id, run_dir)
    path = run_dir / "_meta" / "trace" / f"{step}.json"
    if path.exists():
        carrier = json.loads(path.read_text())
        _step_context[run_id] = TraceContextTextMapPropagator().extract(carrier)
    else:
        _step_context.pop(run_id, None)


def _scalars(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {
        f"mi.arg.{k}": v if isinstance(v, bool | int | float) else str(v)[:200]
        for k, v in kwargs.items()
        if isinstance(v, str | bool | int | float)
    }


def traced(name: str) -> Callable[[F], F]:
    """Wrap a tool: a span ``tool <name>`` (and a log line) per call inside a current run."""

    def wrap(func: F) -> F:
        import inspect

        signature = inspect.signature(func)

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            from mi_kernel.runstore.context import _CURRENT, step_reads

            ctx = _CURRENT.get()
            if ctx is None or not ctx.is_open:
                return func(*args, **kwargs)
            from opentelemetry import trace

            bound = signature.bind_partial(*args, **kwargs).arguments
            attrs = {"mi.run_id": ctx.run_id, "mi.step": ctx.step, "mi.tool": name}
            attrs |= _scalars(bound)
            nested = trace.get_current_span().is_recording()  # a tool called by a tool
            parent = None if nested else _step_context.get(ctx.run_id)
            t0 = time.perf_counter()
            with tracer().start_as_current_span(
                f"tool {name}", context=parent, attributes=attrs
            ) as span:
                try:
                    result = func(*args, **kwargs)
                except Exception as exc:
                    log(ctx.dir, ctx.step, "tool.failed", tool=name, error=str(exc)[:500])
                    raise
                reads = step_reads(ctx.dir, ctx.step)
                if reads:
                    span.set_attribute("mi.datasets", [f"{u}@{h[:16]}" for u, h in reads.items()])
                if isinstance(result, str):
                    span.set_attribute("mi.result", result[:200])
            log(
                ctx.dir,
                ctx.step,
                "tool.done",
                tool=name,
                seconds=round(time.perf_counter() - t0, 4),
                result=result if isinstance(result, str) else type(result).__name__,
            )
            return result

        return call  # type: ignore[return-value]

    return wrap


def read_spans(run_dir: Path) -> list[dict[str, Any]]:
    """The spans a run recorded (``_meta/traces.jsonl``), as dicts."""
    return read_jsonl(run_dir / TRACES)


__all__ = [
    "TRACES",
    "attach",
    "flush",
    "join_step",
    "log",
    "read_spans",
    "run_span",
    "step_span",
    "traced",
    "tracer",
]
