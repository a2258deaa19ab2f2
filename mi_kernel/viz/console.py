"""The runs console: a Panel app over sealed runs (served by ``dashboards/runs_console.py``).

Pick a run to see its steps and timings, its inputs, its integrity (re-hashed on demand), its
audit trail and its code-free report. It only reads: sealed runs are never modified.
"""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd

from mi_kernel.governance import integrity, ledger_table, runs_table, steps_table
from mi_kernel.reporting.stakeholder import identity, identity_html
from mi_kernel.runstore import RunStore


def _report_html(store: RunStore, run_id: str) -> str:
    reports = sorted((store.sealed_dir(run_id) / "report").glob("*.html"))
    if not reports:
        return "<p>This run has no report.</p>"
    from mi_kernel.reporting.assets import STATIC, internalize_html

    page = internalize_html(
        reports[-1].read_text(encoding="utf-8"), store.sealed_dir(run_id) / STATIC
    )
    doc = html.escape(page, quote=True)  # srcdoc cannot resolve ../static/: scripts go inline
    return (
        f'<iframe srcdoc="{doc}" title="run report" '
        'style="width:100%;height:calc(100vh - 170px);min-height:700px;border:0"></iframe>'
    )


def audit_table(store: RunStore, run_id: str) -> pd.DataFrame:
    """The run's audit trail for people: when, what, about what, who, and the gist."""
    table = ledger_table(store, run_id)
    if table.empty:
        return pd.DataFrame(columns=["when (UTC)", "what", "subject", "who", "detail"])

    def gist(detail: Any) -> str:
        if not isinstance(detail, dict):
            return ""
        keep = {
            k: v
            for k, v in detail.items()
            if isinstance(v, str | int | float | bool) and not k.endswith(("sha256", "hash"))
        }
        return json.dumps(keep, default=str)[:160]

    return pd.DataFrame(
        {
            "when (UTC)": table["ts"].astype(str).str[:19].str.replace("T", " "),
            "what": table["kind"].str.replace("_", " "),
            "subject": table["subject"],
            "who": table["actor"],
            "detail": table["detail"].map(gist),
        }
    )


def _steps(store: RunStore, run_id: str) -> pd.DataFrame:
    steps = steps_table(store, run_id)
    for col, digits in (("seconds", 1), ("overhead_seconds", 2)):  # None for old runs
        steps[col] = pd.to_numeric(steps[col], errors="coerce").round(digits)
    return steps.rename(columns={"overhead_seconds": "papermill overhead (s)"})


def step_chart(steps: pd.DataFrame) -> Any:
    """Wall time per step, one labelled bar each, slowest on top."""
    import hvplot.pandas  # noqa: F401

    ordered = steps.sort_values("seconds")
    return ordered.hvplot.barh(
        x="step",
        y="seconds",
        title="Wall time per step",
        xlabel="",
        ylabel="seconds",
        height=max(220, 26 * len(ordered) + 60),
        width=620,
        color="#0969da",
        hover_cols=["notebook", "status"],
    )


#: Bar colours of the timeline, by step status.
STATUS_COLOURS = {"succeeded": "#0969da", "reused": "#8c959f", "failed": "#cf222e"}


def timeline(manifest: Any) -> pd.DataFrame:
    """When each step of a run started and ended, in seconds from the run's first step."""
    columns = ["step", "status", "started", "seconds"]
    steps = pd.DataFrame(
        [[s.name, s.status, s.started, s.seconds] for s in manifest.steps], columns=columns
    )
    if steps.empty:
        return steps.assign(start=[], end=[])
    t0 = steps["started"].min()
    steps["start"] = (steps["started"] - t0).dt.total_seconds()
    steps["end"] = steps["start"] + steps["seconds"]
    return steps.sort_values("start").reset_index(drop=True)


def timeline_chart(manifest: Any) -> Any:
    """The run's timeline: one bar per step from its start to its end (steps side by side
    overlap), coloured by status (reused steps are the step cache's)."""
    from bokeh.models import ColumnDataSource
    from bokeh.plotting import figure

    t = timeline(manifest)
    t["colour"] = t["status"].map(STATUS_COLOURS).fillna("#6e7781")
    order = list(reversed(t["step"]))
    opts: dict[str, Any] = {  # bokeh's figure() takes these as keyword properties
        "y_range": order,
        "height": max(220, 26 * len(order) + 70),
        "width": 620,
        "title": "Timeline (grey: reused from the step cache)",
        "x_axis_label": "seconds from the first step",
        "toolbar_location": None,
        "tools": "hover",
        "tooltips": [("step", "@step"), ("status", "@status"), ("seconds", "@seconds{0.0}")],
    }
    fig = figure(**opts)
    fig.hbar(
        y="step", left="start", right="end", height=0.6, color="colour", source=ColumnDataSource(t)
    )
    return fig


def run_detail(store: RunStore, run_id: str) -> Any:
    """Return the tabs (overview, report, audit trail) of one sealed run."""
    import panel as pn

    m = store.manifest(run_id)
    check = integrity(store, run_id)
    ident = identity(store.sealed_dir(run_id), m)
    ident["Integrity"] = (
        "VERIFIED: every byte matches its sealed hash"
        if check["ok"]
        else "FAILED: " + "; ".join(map(str, check["problems"]))  # type: ignore[call-overload]
    )
    inputs = pd.DataFrame(
        [{"dataset": i.name, "rows": i.rows, "sha256": i.sha256[:16] + "…"} for i in m.inputs]
    )
    steps = _steps(store, run_id)
    table = {"show_index": False, "disabled": True, "sizing_mode": "stretch_width"}
    return pn.Tabs(
        (
            "Overview",
            pn.Column(
                pn.pane.HTML(identity_html(ident), sizing_mode="stretch_width"),
                pn.Row(
                    step_chart(steps),
                    pn.Column("**Inputs**", pn.widgets.Tabulator(inputs, **table)),
                ),
                *([pn.pane.Bokeh(timeline_chart(m))] if m.steps else []),  # ad-hoc: none
                pn.widgets.Tabulator(steps, layout="fit_data_stretch", **table),
                sizing_mode="stretch_width",
            ),
        ),
        ("Report", pn.pane.HTML(_report_html(store, run_id), sizing_mode="stretch_width")),
        (
            "Audit trail",
            pn.widgets.Tabulator(audit_table(store, run_id), layout="fit_data_stretch", **table),
        ),
        dynamic=True,
    )


def build_console(store: RunStore) -> Any:
    """Return the runs console page for the runs in ``store``."""
    import panel as pn

    from mi_kernel.viz.layout import console_page

    pn.extension("tabulator", inline=True)
    runs = runs_table(store)
    if runs.empty:
        body = pn.pane.Markdown(f"No sealed runs in `{store.root}` yet: `make demo`.")
        return console_page("runs_console", ["## Runs"], body)
    choice = pn.widgets.Select(
        label="Run", options=list(runs["run_id"]), value=runs["run_id"].iloc[0]
    )  # newest first
    listing = runs[["run_id", "status"]]
    side = [
        "## Runs",
        choice,
        pn.widgets.Tabulator(
            listing, disabled=True, show_index=False, layout="fit_data", height=420, width=300
        ),
    ]
    return console_page("runs_console", side, pn.bind(run_detail, store, choice), side_width=320)


__all__ = ["audit_table", "build_console", "run_detail", "step_chart", "timeline", "timeline_chart"]
