"""Execute a declared pipeline with Papermill into one run, then seal it.

Each step's notebook is executed with its parameters into ``notebooks/<notebook>`` inside the
staging run; its declared products must exist afterwards. A failing cell stops the pipeline:
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

from mi_kernel.errors import ConfigError, MIError, PipelineError
from mi_kernel.pipeline.kernels import KERNEL, WarmKernel, execute_kwargs
from mi_kernel.pipeline.schedule import KernelPool, run_steps
from mi_kernel.pipeline.spec import PipelineSpec, StepSpec, load_pipeline, notebooks_dir
from mi_kernel.runstore import Manifest, RunContext, RunStore

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
    declared = set(pm.inspect_notebook(str(src)))
    nb_params = step_parameters(spec, step, params, ctx, declared)
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
    return {s.name: s.seconds for s in manifest.steps}


def run_pipeline(
    name: str,
    overrides: dict[str, Any] | None = None,
    store: RunStore | None = None,
    folder: Path | None = None,
    echo: Echo | None = _stderr,
    fresh_kernels: bool = False,
    jobs: int | None = None,
) -> Manifest:
    """Run pipeline ``name`` with parameter ``overrides``; return the sealed run's manifest.

    Raises
    ------
    PipelineError
        When a step fails; the run is still sealed, with status ``failed``.

    Independent steps run side by side, up to ``jobs`` at once (default: 2, or 1 on a
    single core), each in a warm kernel reused across steps (namespace wiped between them)
    unless ``fresh_kernels``.
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
    try:
        with _kernel_env(store):
            records, failure = run_steps(
                spec.steps,
                lambda step, kernel: _execute_step(spec, step, params, ctx, folder, kernel),
                pool,
                jobs,
                say,
                expected=_last_durations(store, name),
            )
    finally:
        pool.shutdown()
    for record in records:
        ctx._append("_meta/steps.jsonl", record)
    manifest = store.seal(ctx.run_id, status="failed" if failure else "succeeded", error=failure)
    if failure:
        raise PipelineError(
            f"{failure}. The run {ctx.run_id} is kept, marked failed; open "
            f"{store.sealed_dir(ctx.run_id)}/notebooks/ to see the failing cell"
        )
    return manifest
