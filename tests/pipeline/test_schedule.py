"""The step scheduler: dependency order, longest-expected first, stop after a failure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mi_kernel.pipeline.schedule import KernelPool, run_steps
from mi_kernel.pipeline.spec import StepSpec


def _steps() -> list[StepSpec]:
    return [
        StepSpec(name="a", notebook="a.ipynb"),
        StepSpec(name="b", notebook="b.ipynb"),
        StepSpec(name="c", notebook="c.ipynb", after=("a", "b")),
    ]


def _run(expected: dict[str, float], fail: str = "") -> tuple[list[str], list[dict[str, Any]], Any]:
    started: list[str] = []

    def execute(step: StepSpec, kernel: object) -> dict[str, Any]:
        assert kernel is None  # fresh kernels: the pool hands out placeholders
        started.append(step.name)
        status = "failed" if step.name == fail else "succeeded"
        return {"name": step.name, "status": status, "seconds": 0.0, "error": "boom"}

    pool = KernelPool(Path("."), size=1, fresh=True)
    records, failure = run_steps(_steps(), execute, pool, 1, lambda _m: None, expected)
    return started, records, failure


def test_longest_expected_step_starts_first_and_dependencies_hold() -> None:
    started, records, failure = _run({"a": 1.0, "b": 10.0})
    assert started == ["b", "a", "c"] and failure is None
    assert [r["name"] for r in records] == ["a", "b", "c"]  # declared order


def test_without_history_declaration_order_is_kept() -> None:
    assert _run({})[0] == ["a", "b", "c"]


def test_nothing_starts_after_a_failure() -> None:
    started, records, failure = _run({}, fail="a")
    assert started == ["a"] and "step 'a' failed" in (failure or "")
    assert [r["name"] for r in records] == ["a"]
