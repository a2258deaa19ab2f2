"""Run a pipeline's steps in dependency order, independent steps side by side.

A step starts once every step it runs ``after`` has succeeded. Up to ``jobs`` steps run at
once, each in a kernel of its own from a :class:`KernelPool` (warm kernels are reused; a
second one is started only when two steps are ready together). After a failure no new step
starts and the steps still running in warm kernels are interrupted (recorded as cancelled);
the first failure is reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from mi_kernel.pipeline.kernels import WarmKernel
from mi_kernel.pipeline.spec import StepSpec

Execute = Callable[[StepSpec, WarmKernel | None], dict[str, Any]]
#: Returns the record of a step served from the step cache, or None to execute it.
Reuse = Callable[[StepSpec], dict[str, Any] | None]
#: Runs a step's whole work (reuse or execution) inside something: a trace span.
Around = Callable[[StepSpec, Callable[[], dict[str, Any]]], dict[str, Any]]


class KernelPool:
    """Up to ``size`` warm kernels (or ``None`` placeholders when ``fresh``), made on demand."""

    def __init__(self, cwd: Path, size: int, fresh: bool) -> None:
        self.cwd, self.size, self.fresh = cwd, size, fresh
        self._free: list[WarmKernel | None] = []
        self._made: list[WarmKernel] = []
        self._busy: list[WarmKernel] = []
        self._lock = threading.Lock()

    def acquire(self) -> WarmKernel | None:
        """Return a free kernel, starting a new one if none is free (never more than size)."""
        with self._lock:
            if self._free:
                free = self._free.pop()
                if free is not None:
                    self._busy.append(free)
                return free
            if self.fresh:
                return None
        kernel = WarmKernel(self.cwd)
        with self._lock:
            self._made.append(kernel)
            self._busy.append(kernel)
        return kernel

    def release(self, kernel: WarmKernel | None) -> None:
        with self._lock:
            if kernel is not None and kernel in self._busy:
                self._busy.remove(kernel)
            self._free.append(kernel)

    def interrupt_busy(self) -> int:
        """Interrupt the steps running in warm kernels (a fresh kernel runs to its end)."""
        with self._lock:
            busy = list(self._busy)
        for kernel in busy:
            kernel.interrupt()
        return len(busy)

    def shutdown(self) -> None:
        for kernel in self._made:
            kernel.shutdown()


def run_steps(
    steps: Sequence[StepSpec],
    execute: Execute,
    pool: KernelPool,
    jobs: int,
    say: Callable[[str], None],
    expected: Mapping[str, float] | None = None,
    reuse: Reuse | None = None,
    around: Around | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Execute ``steps``; return their records in declaration order and the first failure.

    Among the steps ready at once, those expected to take longest start first (``expected``:
    seconds per step, e.g. from the pipeline's last run; unknown steps keep declaration
    order after the known ones). Longest-first keeps the last step from starting late.
    """
    expected = expected or {}
    order = {s.name: i for i, s in enumerate(steps)}
    n, index = len(steps), {s.name: i for i, s in enumerate(steps, start=1)}
    pending, done = list(steps), set[str]()
    records: dict[str, dict[str, Any]] = {}
    running: dict[Future[dict[str, Any]], StepSpec] = {}
    failure: str | None = None
    cancelled: set[str] = set()

    def attempt(step: StepSpec) -> dict[str, Any]:
        if reuse is not None and (record := reuse(step)) is not None:
            return record
        kernel = pool.acquire()
        try:
            return execute(step, kernel)
        finally:
            pool.release(kernel)

    def work(step: StepSpec) -> dict[str, Any]:
        return around(step, lambda: attempt(step)) if around else attempt(step)

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="mi-step") as threads:
        while pending or running:
            ready = [s for s in pending if set(s.after) <= done] if failure is None else []
            ready.sort(key=lambda s: (-expected.get(s.name, -1.0), order[s.name]))
            for step in ready[: max(0, jobs - len(running))]:
                pending.remove(step)
                say(f"  [{index[step.name]}/{n}] {step.name:<12} {step.notebook} ...")
                running[threads.submit(work, step)] = step
            if not running:
                break  # a failure left the rest unrunnable
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                step = running.pop(future)
                record = future.result()
                records[step.name] = record
                how = (
                    f"reused from {record['reused_from']}"
                    if record["status"] == "reused"
                    else record["status"]
                )
                say(f"  [{index[step.name]}/{n}] {step.name:<12} {how} in {record['seconds']:.1f}s")
                if record["status"] in ("succeeded", "reused"):
                    done.add(step.name)
                elif failure is None:
                    failure = f"step {step.name!r} failed: {record['error']}"
                    cancelled = {s.name for s in running.values()}
                    if cancelled:
                        say(f"  cancelling {sorted(cancelled)}: {failure}")
                        pool.interrupt_busy()
                elif step.name in cancelled:
                    record["error"] = f"cancelled, because {failure}"
    ordered = [records[s.name] for s in steps if s.name in records]
    return ordered, failure
