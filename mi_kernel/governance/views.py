"""Views over sealed runs: the runs register, step timings, the audit trail.

Pure functions returning tables, shared by the CLI, the runs console (``dashboards/``) and
notebooks. They read; they never modify a sealed run.
"""

from __future__ import annotations

import pandas as pd

from mi_kernel.runstore import RunStore, verify_run


def runs_table(store: RunStore) -> pd.DataFrame:
    """One row per sealed run, newest first: id, pipeline, status, created, seconds, files."""
    rows = [
        {
            "run_id": m.run_id,
            "pipeline": m.pipeline,
            "status": m.status,
            "created": m.created,
            "seconds": round((m.sealed - m.created).total_seconds(), 1),
            "steps": len(m.steps),
            "files": len(m.products),
            "code_version": m.code_version[:12],
            "root_hash": m.root_hash[:16],
            "error": m.error or "",
        }
        for m in store.runs()
    ]
    cols = [
        "run_id",
        "pipeline",
        "status",
        "created",
        "seconds",
        "steps",
        "files",
        "code_version",
        "root_hash",
        "error",
    ]
    table = pd.DataFrame(rows, columns=cols)
    return table.sort_values("created", ascending=False, ignore_index=True)


def steps_table(store: RunStore, run_id: str) -> pd.DataFrame:
    """One row per step of a run: status, seconds, Papermill overhead, error."""
    m = store.manifest(run_id)
    return pd.DataFrame(
        [
            {
                "step": s.name,
                "notebook": s.notebook,
                "status": s.status,
                "seconds": s.seconds,
                "overhead_seconds": s.papermill_overhead_seconds,
                "error": s.error or "",
            }
            for s in m.steps
        ],
        columns=["step", "notebook", "status", "seconds", "overhead_seconds", "error"],
    )


def ledger_table(store: RunStore, run_id: str | None = None) -> pd.DataFrame:
    """The audit trail (optionally only entries about ``run_id``), oldest first."""
    rows = [e.model_dump(mode="json") for e in store.ledger.entries()]
    table = pd.DataFrame(rows)
    if run_id is not None and not table.empty:
        about = table["subject"].eq(run_id) | table["detail"].map(
            lambda d: isinstance(d, dict) and d.get("run_id") == run_id
        )
        table = table[about].reset_index(drop=True)
    return table


def integrity(store: RunStore, run_id: str) -> dict[str, object]:
    """Re-hash a sealed run: ``{"ok": bool, "problems": [...]}`` (see :func:`verify_run`)."""
    result = verify_run(store, run_id)
    return {"ok": result.ok, "problems": list(result.problems)}


__all__ = ["integrity", "ledger_table", "runs_table", "steps_table"]
