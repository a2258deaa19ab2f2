"""Execute a declared pipeline with Papermill into one run, then seal it.

Each step's notebook is executed with its parameters into ``notebooks/<notebook>`` inside the
staging run; its declared products must exist afterwards. A step whose notebook, kernel code,
parameters, upstream products and datasets are unchanged since an earlier sealed run is copied
from it instead (:mod:`mi_kernel.pipeline.cache`; ``cache=False`` executes every step). A
failing cell stops the pipeline:
the run is sealed with status ``failed`` and keeps the executed notebook showing the failing
cell; :class:`PipelineError` names the notebook and the cell.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mi_kernel import telemetry
from mi_kernel.errors import ConfigError, MIError, PipelineError
from mi_kernel.governance.gate import gate_state
from mi_kernel.pipeline import cache as step_cache
from mi_kernel.pipeline.kernels import KERNEL, WarmKernel, execute_kwargs
from mi_kernel.pipeline.schedule import KernelPool, run_steps
from mi_kernel.pipeline.spec import PipelineSpec, StepSpec, load_pipeline, notebooks_dir
from mi_kernel.runstore import Manifest, RunContext, RunStore
from mi_kernel.runstore.store import METRICS

RESERVED = ("run_id", "runs_root", "step")
Echo = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _kernel_env(store: RunStore) -> Iterator[None]:
    """Environment the notebook kernels inherit: quiet libraries, non-interactive plots."""
    keep = dict(os.environ)
    os.environ.update(
        {
            "MI_RUNS_ROOT": str(store.root),
            "MPLBACKEND": "Agg",
            "PYTHONWARNINGS": "ignore",
            "TQDM_DISABLE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(keep)


def step_parameters(
    spec: PipelineSpec, step: StepSpec, params: dict[str, Any], ctx: RunContext, declared: set[str]
) -> dict[str, Any]:
    """Parameters of one step: pipeline ones its notebook declares, the step's own, the run's."""
    out = {k: v for k, v in params.items() if k in declared}
    for key, value in step.parameters.items():
        out[key] = value.format(run_id=ctx.run_id, **params) if isinstance(value, str) else value
    out.update(run_id=ctx.run_id, runs_root=str(ctx.store.root), step=step.name)
    unknown = sorted(set(out) - declared)
    if unknown:
        raise PipelineError(
            f"step {step.name!r}: notebook {step.notebook} has no parameter(s) {unknown} in its "
            "cell tagged 'parameters'; add them there or remove them from pipelines.yml"
        )
    return out


def _cell_seconds(nb_path: Path) -> float:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    return sum(float(c.metadata.get("papermill", {}).get("duration") or 0.0) for c in nb.cells)


def render_report(executed: Path, out: Path) -> Path:
    """Render an executed notebook as a code-free HTML report (outputs only).

    The page fetches nothing from the network when it opens (template ``mi_report``, Panel's
    resources inlined, the plotting scripts linked from the run's ``static/``) and starts
    with the decision-support notice.
    """
    import nbformat
    from nbconvert import HTMLExporter

    import mi_kernel.reporting

    templates = Path(mi_kernel.reporting.__file__).parent / "nbconvert"
    exporter = HTMLExporter(
        template_name="mi_report",  # lab, minus its CDN loaders: opens offline
        extra_template_basedirs=[str(templates)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    from mi_kernel.reporting.assets import STATIC, internalize_notebook, link_html

    static = out.parent.parent / STATIC  # the run's static/, as ../static from report/
    nb = nbformat.read(executed, as_version=4)
    shas = internalize_notebook(nb, static)
    for cell in nb.cells:  # HoloViews emits empty display_data placeholders: nothing to show
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if o.output_type != "display_data" or o.get("data")
            ]
    run_id = out.parent.parent.name
    title = nb.metadata.get("title") or Path(executed).stem.split("_", 1)[-1].replace("_", " ")
    nb.metadata["title"] = f"{title.capitalize()} · run {run_id}"
    body, _ = exporter.from_notebook_node(nb)
    body = link_html(mi_kernel.reporting.inline_panel_resources(body), static, shas)
    out.write_text(mi_kernel.reporting.add_notice(body), encoding="utf-8")
    return out


def store_scripts_once(executed: Path, static_dir: Path) -> dict[str, int]:
    """Move the executed notebook's large scripts into the run's ``static/`` (once per run)."""
    import nbformat

    from mi_kernel.reporting.assets import externalize_notebook

    nb = nbformat.read(executed, as_version=4)
    assets = externalize_notebook(nb, static_dir)
    if assets:
        part = executed.with_suffix(".part")
        nbformat.write(nb, part)
        part.replace(executed)
    return assets


def notebook_parameters(
    spec: PipelineSpec, step: StepSpec, params: dict[str, Any], ctx: RunContext, folder: Path
) -> dict[str, Any]:
    """The parameters Papermill injects into ``step``'s notebook (see :func:`step_parameters`)."""
    import papermill as pm

    declared = set(pm.inspect_notebook(str(folder / step.notebook)))
    return step_parameters(spec, step, params, ctx, declared)


def _execute_step(
    spec: PipelineSpec,
    step: StepSpec,
    params: dict[str, Any],
    ctx: RunContext,
    folder: Path,
    warm: WarmKernel | None,
) -> dict[str, Any]:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    src = folder / step.notebook
    nb_params = notebook_parameters(spec, step, params, ctx, folder)
    out = ctx.path(f"notebooks/{step.notebook}")
    started, t0 = datetime.now(UTC), time.perf_counter()
    record: dict[str, Any] = {
        "name": step.name,
        "notebook": step.notebook,
        "started": started.isoformat(),
        "parameters": {k: v for k, v in nb_params.items() if k not in RESERVED},
    }
    try:
        pm.execute_notebook(
            str(src),
            str(out),
            parameters=nb_params,
            kernel_name=KERNEL,
            progress_bar=False,
            cwd=str(folder),
            log_output=False,
            # Executed notebooks carry ~6 MB of inline Bokeh JS until store_scripts_once:
            # write them once at the end (and on failure), not after every cell.
            request_save_on_cell_execute=False,
            **execute_kwargs(warm),
        )
    except PapermillExecutionError as exc:
        record.update(
            status="failed",
            seconds=time.perf_counter() - t0,
            error=f"{step.notebook}, cell In [{exc.exec_count}]: {exc.ename}: {exc.evalue}",
        )
        return record
    seconds = time.perf_counter() - t0
    record.update(status="succeeded", seconds=seconds)
    record["papermill_overhead_seconds"] = max(0.0, seconds - _cell_seconds(out))
    store_scripts_once(out, ctx.path("static"))
    if step.report:
        render_report(out, ctx.path(f"report/{Path(step.notebook).stem}.html"))
    products = [p.format(run_id=ctx.run_id, **params) for p in step.products]
    missing = [p for p in products if not (ctx.dir / p).exists()]
    if missing:
        record.update(
            status="failed", error=f"{step.notebook} did not write its products {missing}"
        )
    return record


def _last_durations(store: RunStore, pipeline: str) -> dict[str, float]:
    """Seconds per step in the pipeline's last succeeded run (empty if there is none)."""
    try:
        manifest = store.latest(pipeline)
    except MIError:
        return {}
    return {s.name: s.seconds for s in manifest.steps if s.status == "succeeded"}


def _traced_step(
    ctx: RunContext, step: StepSpec, root: Any, work: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """A step's work inside its trace span, with a log line when it starts and when it ends."""
    with telemetry.step_span(ctx.run_id, ctx.dir, step.name, step.notebook, root) as span:
        telemetry.log(ctx.dir, step.name, "step.started", notebook=step.notebook)
        record = work()
        span.set_attribute("mi.status", record["status"])
        if record.get("reused_from"):
            span.set_attribute("mi.reused_from", record["reused_from"])
        if record.get("error"):
            span.set_attribute("mi.error", record["error"])
        telemetry.log(
            ctx.dir,
            step.name,
            f"step.{record['status']}",
            seconds=round(record["seconds"], 3),
            **{k: record[k] for k in ("reused_from", "error") if record.get(k)},
        )
        return record


def _metrics(ctx: RunContext, records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The run's summary for its manifest: step durations, cache hits, rows read."""
    from mi_kernel.runstore.jsonl import read_jsonl

    rows = {r["uri"]: r.get("rows") for r in read_jsonl(ctx.dir / "_meta" / "inputs.jsonl")}
    return {
        "wall_seconds": round(seconds, 3),
        "steps": {
            r["name"]: {"status": r["status"], "seconds": round(r["seconds"], 3)} for r in records
        },
        "cache": {
            "reused": sum(r["status"] == "reused" for r in records),
            "executed": sum(r["status"] != "reused" for r in records),
        },
        "rows_read": rows,
        "spans": len(telemetry.read_spans(ctx.dir)),
    }


def _ownership_problem(spec: PipelineSpec, ctx: RunContext, records: list[dict[str, Any]]) -> str:
    """Why the run's files cannot be told apart by step ('' when they can): a file no step
    owns, or a step's folder changed after the step ended (another step wrote into it)."""
    stray = step_cache.unclaimed(ctx.dir, spec)
    if stray:
        return (
            f"{len(stray)} file(s) belong to no step ({', '.join(stray[:3])}); declare their "
            "folders in the step's `writes` in pipelines.yml"
        )
    steps = {s.name: s for s in spec.steps}
    changed = [
        r["name"]
        for r in records
        if r.get("digest")
        and step_cache.products_digest(ctx.dir, ctx.run_id, spec, steps[r["name"]]) != r["digest"]
    ]
    if changed:
        return (
            f"the folders of {changed} changed after those steps ended: a later step writes "
            "into them; give what it writes a folder of its own (`writes` in pipelines.yml)"
        )
    return ""


class _Cache:
    """The step cache of one run: keys, reuse, and the products digest of each step done."""

    def __init__(
        self, spec: PipelineSpec, params: dict[str, Any], ctx: RunContext, folder: Path, on: bool
    ) -> None:
        from mi_kernel.runstore.paths import project_root

        self.spec, self.params, self.ctx, self.folder = spec, params, ctx, folder
        self.lookup = step_cache.StepCache(ctx.store, spec) if on else None
        self.kernel, self.root = step_cache.kernel_digest(), project_root()
        self.keys: dict[str, dict[str, Any]] = {}
        self.digests: dict[str, str] = {}

    def key(self, step: StepSpec) -> dict[str, Any]:
        nb = notebook_parameters(self.spec, step, self.params, self.ctx, self.folder)
        upstream = {a: self.digests[a] for a in step_cache.ancestors(self.spec, step)}
        own = {k: v for k, v in nb.items() if k not in RESERVED}
        gate = gate_state(self.ctx.store) if step.governed else None
        return step_cache.step_key(
            step, self.folder, own, self.ctx.run_id, upstream, self.kernel, self.root, gate
        )

    def reuse(self, step: StepSpec) -> dict[str, Any] | None:
        """Copy ``step`` from an earlier sealed run if its key matches; else None."""
        started, t0 = datetime.now(UTC), time.perf_counter()
        key = self.keys[step.name] = self.key(step)
        hit = self.lookup.find(step, key) if self.lookup and step.cache else None
        if hit is None:
            return None
        try:
            self.lookup.copy(hit, step, self.ctx)  # type: ignore[union-attr]
        except step_cache.CacheMiss:
            return None
        digest = self.digests[step.name] = step_cache.products_digest(
            self.ctx.dir, self.ctx.run_id, self.spec, step
        )
        return {
            "name": step.name,
            "notebook": step.notebook,
            "started": started.isoformat(),
            "parameters": hit.record["parameters"],
            "status": "reused",
            "seconds": time.perf_counter() - t0,
            "key": key,
            "datasets": hit.record["datasets"],
            "digest": digest,
            "reused_from": hit.manifest.run_id,
        }

    def executed(self, step: StepSpec, record: dict[str, Any]) -> dict[str, Any]:
        """Add the key, datasets read and products digest to an executed step's record."""
        if record["status"] != "succeeded":
            return record
        digest = self.digests[step.name] = step_cache.products_digest(
            self.ctx.dir, self.ctx.run_id, self.spec, step
        )
        return record | {
            "key": self.keys[step.name],
            "datasets": step_cache.step_reads(self.ctx.dir, step.name),
            "digest": digest,
        }


def run_pipeline(
    name: str,
    overrides: dict[str, Any] | None = None,
    store: RunStore | None = None,
    folder: Path | None = None,
    echo: Echo | None = _stderr,
    fresh_kernels: bool = False,
    jobs: int | None = None,
    cache: bool = True,
) -> Manifest:
    """Run pipeline ``name`` with parameter ``overrides``; return the sealed run's manifest.

    Raises
    ------
    PipelineError
        When a step fails; the run is still sealed, with status ``failed``.

    Independent steps run side by side, up to ``jobs`` at once (default: 2, or 1 on a
    single core), each in a warm kernel reused across steps (namespace wiped between them)
    unless ``fresh_kernels``. With ``cache`` (the default) a step whose inputs are all
    unchanged since an earlier sealed run reuses that run's products
    (:mod:`mi_kernel.pipeline.cache`); ``cache=False`` executes every step.
    """
    folder = folder or notebooks_dir()
    jobs = min(2, os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        raise ConfigError(f"jobs={jobs}: at least one step must be able to run; pass -j 1 or more")
    spec = load_pipeline(name, folder)
    params = spec.resolve_parameters(overrides or {})
    store = store or RunStore()
    ctx = store.start(name, params)
    say = echo or (lambda _msg: None)
    say(f"run {ctx.run_id}: pipeline {name!r}, {len(spec.steps)} steps")
    pool = KernelPool(folder, size=jobs, fresh=fresh_kernels)
    steps = _Cache(spec, params, ctx, folder, on=cache)
    t0 = time.perf_counter()
    try:
        with _kernel_env(store), telemetry.run_span(ctx.run_id, ctx.dir, name, params) as root:
            records, failure = run_steps(
                spec.steps,
                lambda step, kernel: steps.executed(
                    step, _execute_step(spec, step, params, ctx, folder, kernel)
                ),
                pool,
                jobs,
                say,
                expected=_last_durations(store, name),
                reuse=steps.reuse,
                around=lambda step, work: _traced_step(ctx, step, root, work),
            )
            if failure:
                root.set_attribute("mi.error", failure)
    finally:
        pool.shutdown()
        telemetry.flush()
    ctx.write_json(_metrics(ctx, records, time.perf_counter() - t0), METRICS)
    problem = _ownership_problem(spec, ctx, records)
    if problem:  # a copy of this run's steps would be incomplete: never reuse from it
        say(f"  note: {problem}: this run will not serve the step cache")
        records = [{k: v for k, v in r.items() if k != "key"} for r in records]
    for record in records:
        ctx._append("_meta/steps.jsonl", record)
    manifest = store.seal(ctx.run_id, status="failed" if failure else "succeeded", error=failure)
    if failure:
        raise PipelineError(
            f"{failure}. The run {ctx.run_id} is kept, marked failed; open "
            f"{store.sealed_dir(ctx.run_id)}/notebooks/ to see the failing cell",
            run_id=ctx.run_id,
        )
    return manifest
