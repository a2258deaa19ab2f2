"""The step cache on tiny notebooks: unchanged steps are copied from the earlier sealed run and
the new run still verifies; each kind of change re-executes exactly the steps downstream of it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mi_kernel.pipeline import cache as step_cache
from mi_kernel.pipeline import load_pipeline, run_pipeline
from mi_kernel.runstore import Manifest, RunStore, verify_run
from tests.pipeline.test_runner import _notebook

HEAD = 'run_id = ""\nruns_root = ""\nstep = ""\n'
SESSION = (
    "import mi_kernel as mi\n"
    "ctx = mi.session(run_id or None, step=step, runs_root=runs_root or None)\n"
)
FIRST = SESSION + (
    "from mi_kernel import data\n"
    "sectors = data.load_sectors('sp500_ohlcv')\n"
    "ctx.write_json({'n': n, 'names': int(len(sectors)), 'run': ctx.run_id}, 'a/out.json')\n"
    "print('made in', ctx.run_id)\n"
)
SECOND = SESSION + (
    "a = ctx.read_json(f'run://{run_id}/a/out.json')\n"
    "ctx.write_json({'twice': 2 * a['n'], 'from': a['run']}, 'b/out.json')\n"
)
PIPELINES = """
two:
  parameters: {n: 3, label: x}
  steps:
    - {name: first, notebook: first.ipynb, products: [a/out.json]}
    - {name: second, notebook: second.ipynb, after: [first], products: [b/out.json], report: true}
    - {name: side, notebook: side.ipynb, products: [c/out.json]}
acts:
  parameters: {n: 3, label: x}
  steps:
    - {name: first, notebook: first.ipynb, products: [a/out.json]}
    - {name: side, notebook: side.ipynb, products: [c/out.json], cache: false}
governed:
  parameters: {n: 3, label: x}
  steps:
    - {name: first, notebook: first.ipynb, products: [a/out.json]}
    - {name: side, notebook: side.ipynb, products: [c/out.json], governed: true}
"""
SIDE = SESSION + "ctx.write_json({'label': label}, 'c/out.json')\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    nb = tmp_path / "notebooks"
    nb.mkdir()
    _notebook(nb / "first.ipynb", HEAD + "n = 1\n", FIRST)
    _notebook(nb / "second.ipynb", HEAD, SECOND)
    _notebook(nb / "side.ipynb", HEAD + 'label = ""\n', SIDE)
    (nb / "pipelines.yml").write_text(PIPELINES)
    return nb


def _run(folder: Path, store: RunStore, **kw: object) -> Manifest:
    return run_pipeline("two", kw.pop("params", {}), store=store, folder=folder, echo=None, **kw)  # type: ignore[arg-type]


def _status(m: Manifest) -> dict[str, str]:
    return {s.name: s.status for s in m.steps}


def test_an_unchanged_rerun_copies_every_step_and_verifies(folder: Path, store: RunStore) -> None:
    first = _run(folder, store)
    assert _status(first) == {"first": "succeeded", "second": "succeeded", "side": "succeeded"}
    again = _run(folder, store)
    assert _status(again) == {"first": "reused", "second": "reused", "side": "reused"}
    assert {s.reused_from for s in again.steps} == {first.run_id}
    assert verify_run(store, again.run_id).ok
    d = store.sealed_dir(again.run_id)
    # the copy is what executing again would have written: this run's id, not the earlier one's
    assert json.loads((d / "a/out.json").read_text())["run"] == again.run_id
    assert json.loads((d / "b/out.json").read_text()) == {"twice": 6, "from": again.run_id}
    assert again.run_id in (d / "notebooks/first.ipynb").read_text()
    assert first.run_id not in (d / "report/second.html").read_text()
    assert "report/second.html" in again.products
    # the key that matched, the datasets re-read, the products' digest: all recorded
    old = {s.name: s for s in first.steps}
    for s in again.steps:
        assert s.key == old[s.name].key and s.digest == old[s.name].digest
    assert set(old["first"].datasets) == {"catalog://sp500_sectors"}
    [sectors] = [i for i in again.inputs if i.name == "sp500_sectors"]  # still an input
    assert sectors.rows == 524  # with the row count the earlier run read


def test_each_change_reexecutes_exactly_what_is_downstream(folder: Path, store: RunStore) -> None:
    _run(folder, store)
    # a parameter only `side` reads: only side runs
    m = _run(folder, store, params={"label": "y"})
    assert _status(m) == {"first": "reused", "second": "reused", "side": "succeeded"}
    # a parameter of `first` changes its product: first, and second that reads it, run
    m = _run(folder, store, params={"label": "y", "n": "4"})
    assert _status(m) == {"first": "succeeded", "second": "succeeded", "side": "reused"}
    assert json.loads((store.sealed_dir(m.run_id) / "b/out.json").read_text())["twice"] == 8
    # the second notebook edited: only it runs
    _notebook(folder / "second.ipynb", HEAD, SECOND + "print('edited')\n")
    m = _run(folder, store, params={"label": "y", "n": "4"})
    assert _status(m) == {"first": "reused", "second": "succeeded", "side": "reused"}
    # no cache: everything runs
    m = _run(folder, store, params={"label": "y", "n": "4"}, cache=False)
    assert set(_status(m).values()) == {"succeeded"}


def test_kernel_code_lock_and_dataset_changes_invalidate(
    folder: Path, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(folder, store)
    monkeypatch.setattr(step_cache, "kernel_digest", lambda: "another kernel")
    assert set(_status(_run(folder, store)).values()) == {"succeeded"}
    monkeypatch.undo()
    monkeypatch.setattr(step_cache, "lock_sha256", lambda root: "another lock file")
    assert set(_status(_run(folder, store)).values()) == {"succeeded"}
    monkeypatch.undo()
    # a dataset that no longer reads the same: the step that read it runs again; it wrote the
    # same product (the same 524 names), so its consumer's inputs are unchanged: reused
    monkeypatch.setattr(step_cache, "dataset_sha", lambda uri: "changed")
    m = _run(folder, store)
    assert _status(m) == {"first": "succeeded", "second": "reused", "side": "reused"}


def test_a_step_that_acts_always_executes(folder: Path, store: RunStore) -> None:
    """`cache: false` (a step that publishes, say): executed every time, the rest reused."""
    run = lambda: run_pipeline("acts", {}, store=store, folder=folder, echo=None)  # noqa: E731
    run()
    assert _status(run()) == {"first": "reused", "side": "succeeded"}


def test_a_governed_step_is_reused_only_while_the_gate_would_decide_the_same(
    folder: Path, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`governed: true` (the step publishes through the gate): its key holds the gate's state."""
    run = lambda: run_pipeline("governed", {}, store=store, folder=folder, echo=None)  # noqa: E731
    monkeypatch.setenv("MI_IDENTITY", "ada")
    run()
    assert _status(run()) == {"first": "reused", "side": "reused"}
    # new runs and publications are not gate decisions: still reused
    store.ledger.append("publication", "book-x", "ada", {"status": "draft"})
    assert _status(run()) == {"first": "reused", "side": "reused"}
    # an approval of a book: the gate may decide otherwise now, so the governed step acts again
    store.ledger.append("approval", "book-x", "rita", {"what": "book", "book_hash": "h"})
    m = run()
    assert _status(m) == {"first": "reused", "side": "succeeded"}
    assert m.steps[1].key is not None and m.steps[1].key["gate"] is not None
    assert _status(run()) == {"first": "reused", "side": "reused"}
    # another publisher: the gate's answer depends on who publishes
    monkeypatch.setenv("MI_IDENTITY", "alan")
    assert _status(run()) == {"first": "reused", "side": "succeeded"}
    # a status change of a model (approval, rollback): acts again
    store.ledger.append("model_status", "m-1", "rita", {"status": "approved"})
    assert _status(run()) == {"first": "reused", "side": "succeeded"}


def test_a_tampered_source_run_is_not_copied(folder: Path, store: RunStore) -> None:
    first = _run(folder, store)
    target = store.sealed_dir(first.run_id) / "c/out.json"
    os.chmod(target, stat.S_IWUSR | stat.S_IRUSR)
    target.write_text('{"label": "forged"}')
    m = _run(folder, store)
    assert _status(m)["side"] == "succeeded"  # the forged bytes do not match the manifest
    assert json.loads((store.sealed_dir(m.run_id) / "c/out.json").read_text()) == {"label": "x"}


def test_files_no_step_owns_keep_a_run_out_of_the_cache(folder: Path, store: RunStore) -> None:
    stray = SIDE + "ctx.write_json({}, 'z/stray.json')\n"
    _notebook(folder / "side.ipynb", HEAD + 'label = ""\n', stray)
    first = _run(folder, store)
    assert all(s.key is None for s in first.steps)
    assert step_cache.unclaimed(store.sealed_dir(first.run_id), load_pipeline("two", folder)) == [
        "z/stray.json"
    ]
    assert set(_status(_run(folder, store)).values()) == {"succeeded"}


def test_a_step_writing_into_an_earlier_steps_folder_keeps_the_run_out(
    folder: Path, store: RunStore
) -> None:
    late = SECOND + "ctx.write_json({}, 'a/late.json')\n"  # into the folder of `first`
    _notebook(folder / "second.ipynb", HEAD, late)
    first = _run(folder, store)
    assert all(s.key is None for s in first.steps)
    assert set(_status(_run(folder, store)).values()) == {"succeeded"}


def test_two_steps_cannot_own_one_folder(folder: Path) -> None:
    (folder / "pipelines.yml").write_text(
        PIPELINES + "clash:\n  steps:\n"
        "    - {name: a, notebook: first.ipynb, products: [a/x.json]}\n"
        "    - {name: b, notebook: side.ipynb, writes: [a]}\n"
    )
    with pytest.raises(Exception, match="both write a/"):
        load_pipeline("clash", folder)
