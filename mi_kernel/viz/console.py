"""The runs console: a Panel app over sealed runs (served by ``dashboards/runs_console.py``).

Pick a run to see its steps and timings, its inputs, its integrity (re-hashed on demand), its
audit trail and its code-free report. It only reads: sealed runs are never modified.
"""

from __future__ import annotations

from typing import Any

from mi_kernel.governance import integrity, ledger_table, runs_table, steps_table
from mi_kernel.runstore import RunStore


def _report_html(store: RunStore, run_id: str) -> str:
    reports = sorted((store.sealed_dir(run_id) / "report").glob("*.html"))
    if not reports:
        return "<p>This run has no report.</p>"
    from html import escape

    from mi_kernel.reporting.assets import STATIC, internalize_html

    page = internalize_html(
        reports[-1].read_text(encoding="utf-8"), store.sealed_dir(run_id) / STATIC
    )
    doc = escape(page, quote=True)  # srcdoc cannot resolve ../static/: the scripts go inline
    return f'<iframe srcdoc="{doc}" style="width:100%;height:900px;border:0"></iframe>'


def run_detail(store: RunStore, run_id: str) -> Any:
    """Return the tabs (overview, report, audit trail) of one sealed run."""
    import hvplot.pandas  # noqa: F401
    import panel as pn

    steps = steps_table(store, run_id)
    m = store.manifest(run_id)
    check = integrity(store, run_id)
    badge = (
        "✅ verified: every byte matches"
        if check["ok"]
        else "❌ "
        + "; ".join(
            map(str, check["problems"])  # type: ignore[call-overload]
        )
    )
    timing = steps.hvplot.barh(
        x="step", y=["seconds"], title="Step wall time (s)", height=320, width=600
    )
    inputs = [f"- `{i.name}` {i.rows or ''} rows, sha256 `{i.sha256[:16]}`" for i in m.inputs]
    return pn.Tabs(
        (
            "Overview",
            pn.Column(
                f"## {run_id}\n**{m.status}** · pipeline `{m.pipeline}` · code "
                f"`{m.code_version[:12]}` · root hash `{m.root_hash[:16]}`\n\n{badge}\n\n"
                "**Inputs**\n" + "\n".join(inputs),
                timing,
                pn.widgets.Tabulator(steps, disabled=True, show_index=False),
            ),
        ),
        ("Report", pn.pane.HTML(_report_html(store, run_id), sizing_mode="stretch_width")),
        (
            "Audit trail",
            pn.widgets.Tabulator(ledger_table(store, run_id), disabled=True, show_index=False),
        ),
    )


def build_console(store: RunStore) -> Any:
    """Return the console layout (a Panel template) for the runs in ``store``."""
    import hvplot.pandas  # noqa: F401
    import panel as pn

    pn.extension("tabulator", inline=True)
    runs = runs_table(store)
    if runs.empty:
        return pn.Column("# mi runs console", f"No sealed runs in `{store.root}` yet: `make demo`.")
    choice = pn.widgets.Select(label="Run", options=list(runs["run_id"]), value=runs["run_id"][0])

    # a plain layout, not a Fast template: those import a web font from Google (offline: no)
    side = pn.Column(
        "## mi · runs console",
        choice,
        pn.widgets.Tabulator(runs[["run_id", "status"]], disabled=True),
        width=320,
    )
    return pn.Row(side, pn.Column(pn.bind(run_detail, store, choice), sizing_mode="stretch_width"))


__all__ = ["build_console", "run_detail"]
