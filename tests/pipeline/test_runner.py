"""The pipeline runner on tiny throwaway notebooks: parameters, products, sealing, failure."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat as nbf
import pytest

from mi_kernel.errors import ConfigError, PipelineError
from mi_kernel.pipeline import load_pipeline, run_pipeline
from mi_kernel.runstore import RunStore, verify_run

WRITE = """
import mi_kernel as mi
ctx = mi.session(run_id or None, step=step, runs_root=runs_root or None)
ctx.write_json({"greeting": greeting, "n": n}, "out/hello.json")
"""


def _notebook(path: Path, params: str, body: str) -> None:
    cell = nbf.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    book = nbf.v4.new_notebook(cells=[cell, nbf.v4.new_code_cell(body)])
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbf.write(book, path)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    nb = tmp_path / "notebooks"
    nb.mkdir()
    base = 'run_id = ""\nruns_root = ""\nstep = ""\n'
    _notebook(nb / "hello.ipynb", base + 'greeting = "hi"\nn = 1\n', WRITE)
    _notebook(nb / "boom.ipynb", base, "raise ValueError('deliberate failure in cell 2')")
    (nb / "pipelines.yml").write_text(
        """
ok:
  parameters: {greeting: hello, n: 2}
  steps:
    - {name: hello, notebook: hello.ipynb, products: [out/hello.json], report: true}
fails:
  parameters: {}
  steps:
    - {name: boom, notebook: boom.ipynb}
    - {name: never, notebook: hello.ipynb, after: [boom]}
missing_product:
  parameters: {}
  steps:
    - {name: hello, notebook: hello.ipynb, products: [out/absent.json]}
"""
    )
    return nb


def test_pipeline_runs_into_a_sealed_verifiable_run(folder: Path, store: RunStore) -> None:
    m = run_pipeline("ok", {"n": "5"}, store=store, folder=folder, echo=None)
    assert m.status == "succeeded" and m.parameters == {"greeting": "hello", "n": 5}
    d = store.sealed_dir(m.run_id)
    assert json.loads((d / "out/hello.json").read_text()) == {"greeting": "hello", "n": 5}
    assert "notebooks/hello.ipynb" in m.products and "report/hello.html" in m.products
    [step] = m.steps
    assert step.status == "succeeded" and step.seconds > 0
    assert step.papermill_overhead_seconds is not None and step.papermill_overhead_seconds >= 0
    assert verify_run(store, m.run_id).ok


def test_failed_step_keeps_a_failed_run_showing_the_cell(folder: Path, store: RunStore) -> None:
    with pytest.raises(PipelineError, match=r"boom\.ipynb, cell In \[3\]: ValueError"):
        run_pipeline("fails", store=store, folder=folder, echo=None)
    [m] = list(store.runs())
    assert m.status == "failed" and "deliberate failure" in (m.error or "")
    assert [s.name for s in m.steps] == ["boom"]
    executed = nbf.read(store.sealed_dir(m.run_id) / "notebooks/boom.ipynb", as_version=4)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors and errors[0]["ename"] == "ValueError"
    assert verify_run(store, m.run_id).ok


def test_missing_product_fails_the_step(folder: Path, store: RunStore) -> None:
    with pytest.raises(PipelineError, match="did not write its products"):
        run_pipeline("missing_product", store=store, folder=folder, echo=None)


def test_unknown_parameters_and_pipelines_are_clear_errors(folder: Path, store: RunStore) -> None:
    with pytest.raises(ConfigError, match=r"no parameter\(s\) \['colour'\]"):
        run_pipeline("ok", {"colour": "red"}, store=store, folder=folder, echo=None)
    with pytest.raises(ConfigError, match="declared pipelines"):
        load_pipeline("nope", folder)
    with pytest.raises(ConfigError, match="not a valid int"):
        run_pipeline("ok", {"n": "many"}, store=store, folder=folder, echo=None)
    assert list(store.runs()) == []


def test_warm_kernel_wipes_variables_between_steps(tmp_path: Path) -> None:
    nb = tmp_path / "notebooks"
    nb.mkdir()
    base = 'run_id = ""\nruns_root = ""\nstep = ""\n'
    _notebook(
        nb / "set.ipynb",
        base,
        "leftover = 42\n" + WRITE.replace("greeting", "'x'").replace('"n": n', '"n": 0'),
    )
    _notebook(nb / "get.ipynb", base, "print(leftover)")
    (nb / "pipelines.yml").write_text(
        "leak:\n  parameters: {}\n  steps:\n"
        "    - {name: set, notebook: set.ipynb}\n"
        "    - {name: get, notebook: get.ipynb, after: [set]}\n"
    )
    store = RunStore(tmp_path / "runs")
    with pytest.raises(PipelineError, match="NameError"):
        run_pipeline("leak", store=store, folder=nb, echo=None)


@pytest.mark.parametrize("fresh", [False, True], ids=["warm-kernels", "fresh-kernels"])
def test_independent_steps_run_side_by_side_and_records_keep_declared_order(
    tmp_path: Path, fresh: bool
) -> None:
    nb = tmp_path / "notebooks"
    nb.mkdir()
    base = 'run_id = ""\nruns_root = ""\nstep = ""\n'
    nap = (
        "import time, os\nimport mi_kernel as mi\n"
        "ctx = mi.session(run_id or None, step=step, runs_root=runs_root or None)\n"
        "start = time.time()\ntime.sleep(3)\n"
        "done = {'start': start, 'end': time.time(), 'pid': os.getpid()}\n"
        "ctx.write_json(done, f'out/{step}.json')\n"
    )
    _notebook(nb / "nap.ipynb", base, nap)
    (nb / "pipelines.yml").write_text(
        "fan:\n  parameters: {}\n  steps:\n"
        "    - {name: a, notebook: nap.ipynb}\n"
        "    - {name: b, notebook: nap.ipynb}\n"
        "    - {name: c, notebook: nap.ipynb, after: [a, b]}\n"
    )
    store = RunStore(tmp_path / "runs")
    m = run_pipeline("fan", store=store, folder=nb, echo=None, jobs=2, fresh_kernels=fresh)
    out = {s: json.loads((store.sealed_dir(m.run_id) / f"out/{s}.json").read_text()) for s in "abc"}
    assert out["a"]["start"] < out["b"]["end"] and out["b"]["start"] < out["a"]["end"]  # overlap
    assert out["a"]["pid"] != out["b"]["pid"]  # two kernels
    assert out["c"]["start"] >= max(out["a"]["end"], out["b"]["end"])  # waits for both
    assert [s.name for s in m.steps] == ["a", "b", "c"]


def test_zero_jobs_is_refused_before_any_run_starts(folder: Path, store: RunStore) -> None:
    with pytest.raises(ConfigError, match="jobs=0"):
        run_pipeline("ok", store=store, folder=folder, echo=None, jobs=0)
    assert list(store.runs()) == []


def test_a_failure_cancels_the_steps_still_running(tmp_path: Path) -> None:
    """Fail fast: the long step beside the failing one is interrupted, not waited for."""
    nb = tmp_path / "notebooks"
    nb.mkdir()
    base = 'run_id = ""\nruns_root = ""\nstep = ""\n'
    _notebook(nb / "long.ipynb", base, "import time\ntime.sleep(120)\n")
    _notebook(nb / "boom.ipynb", base, "import time\ntime.sleep(2)\nraise ValueError('boom')")
    (nb / "pipelines.yml").write_text(
        "race:\n  parameters: {}\n  steps:\n"
        "    - {name: long, notebook: long.ipynb}\n"
        "    - {name: boom, notebook: boom.ipynb}\n"
        "    - {name: never, notebook: long.ipynb, after: [boom]}\n"
    )
    store = RunStore(tmp_path / "runs")
    with pytest.raises(PipelineError, match="boom"):
        run_pipeline("race", store=store, folder=nb, echo=None, jobs=2)
    [m] = store.runs()
    steps = {s.name: s for s in m.steps}
    assert m.status == "failed" and set(steps) == {"long", "boom"}
    assert steps["long"].status == "failed" and steps["long"].seconds < 60
    assert (steps["long"].error or "").startswith("cancelled, because step 'boom' failed")
