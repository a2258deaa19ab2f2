"""Immutable, verifiable runs and the hash-chained ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mi_kernel.governance.ledger import Ledger
from mi_kernel.runstore.context import (
    RunContext,
    SealedRunView,
    activate,
    current_run,
    use_run,
)
from mi_kernel.runstore.hashing import sha256_file, sha256_frame, sha256_json
from mi_kernel.runstore.manifest import Manifest
from mi_kernel.runstore.paths import project_root
from mi_kernel.runstore.store import RunStore
from mi_kernel.runstore.verify import VerifyReport, verify_all, verify_run

if TYPE_CHECKING:
    import pandas as pd


def session(
    run_id: str | None = None,
    step: str = "main",
    pipeline: str = "adhoc",
    runs_root: str | None = None,
) -> RunContext:
    """Join the run a pipeline started (``run_id`` given) or start an ad-hoc one; make it current.

    Notebooks call this in their validation cell with the ``run_id`` Papermill injected; run
    interactively (``run_id`` empty) they write into a fresh ad-hoc staging run, which
    :func:`finish` seals. A *sealed* ``run_id`` (a sealed notebook re-executed, e.g. rendered
    by Voila) gives a read-only :class:`SealedRunView`: the notebook reads its run and any
    write is refused.
    """
    store = RunStore(runs_root or None)
    if run_id and store.is_sealed(run_id):
        return activate(SealedRunView(store, run_id, step=step))
    ctx = store.attach(run_id, step=step) if run_id else store.start(pipeline)
    ctx.step = step
    from mi_kernel import telemetry

    telemetry.join_step(ctx.run_id, ctx.dir, step)  # tool spans join the runner's step span
    return activate(ctx)


def finish(ctx: RunContext, adhoc: bool) -> str:
    """Close a notebook's step: seal ad-hoc runs (the pipeline seals its own); return a summary."""
    if isinstance(ctx, SealedRunView):
        return f"read sealed run {ctx.run_id}; nothing was written"
    if adhoc:
        m = ctx.store.seal(ctx.run_id)
        return f"sealed ad-hoc run {m.run_id} ({len(m.products)} files, root {m.root_hash[:12]})"
    return f"step {ctx.step!r} of run {ctx.run_id} recorded; the pipeline seals the run"


def read_table(uri: str) -> pd.DataFrame:
    """Read a parquet artifact by URI (through the current run's store, else the default one)."""
    from mi_kernel.runstore.context import read_parquet

    store, reader = _store()
    return read_parquet(store.resolve(uri, reader=reader), uri)


def read_json(uri: str) -> Any:
    """Read a JSON artifact by URI."""
    import json

    store, reader = _store()
    return json.loads(store.resolve(uri, reader=reader).read_text())


def read_meta(uri: str) -> dict[str, Any]:
    """Read the sidecar metadata (lineage) of a table artifact by URI; {} when it has none."""
    store, reader = _store()
    return store.read_meta(uri, reader=reader)


def _store() -> tuple[RunStore, str | None]:
    """The current run's store and id (a run reads its own unsealed products), else the default."""
    from mi_kernel.runstore.context import _CURRENT

    ctx = _CURRENT.get()
    return (ctx.store, ctx.run_id) if ctx is not None else (RunStore(), None)


__all__ = [
    "Ledger",
    "Manifest",
    "RunContext",
    "RunStore",
    "SealedRunView",
    "VerifyReport",
    "activate",
    "current_run",
    "finish",
    "project_root",
    "read_json",
    "read_meta",
    "read_table",
    "session",
    "sha256_file",
    "sha256_frame",
    "sha256_json",
    "use_run",
    "verify_all",
    "verify_run",
]
