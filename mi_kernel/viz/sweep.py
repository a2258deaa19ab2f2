"""The comparison chart of a sweep: each variant's Sharpe ratio, the best one's deflated.

A static SVG (Matplotlib, no JavaScript): it is stored in the sealed sweep run beside its
table, opens in any browser offline and costs a few kilobytes.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd


def _label(row: pd.Series, keys: list[str]) -> str:
    return ", ".join(f"{k[2:]}={row[k]}" for k in keys)


def comparison_svg(table: pd.DataFrame, summary: dict[str, Any]) -> str | None:
    """SVG bars of each succeeded variant's Sharpe (net of costs), the best one marked and
    its deflated Sharpe (over every trial the ledger holds on its data) in the title; None
    when no variant has a backtest."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure  # no pyplot: no global figure state

    if "sharpe" not in table:
        return None
    done = table[table["status"] == "succeeded"].dropna(subset=["sharpe"])
    if done.empty:
        return None
    keys = [c for c in table.columns if c.startswith("p:") and table[c].nunique() > 1]
    keys = keys or [c for c in table.columns if c.startswith("p:")]
    labels = [_label(row, keys) for _, row in done.iterrows()]
    best = done["run_id"] == summary.get("best")
    fig = Figure(figsize=(8, 0.5 * len(done) + 1.6))
    ax = fig.add_subplot()
    ax.barh(labels, done["sharpe"], color=["#1f6f8b" if b else "#9bb7c4" for b in best])
    ax.axvline(0.0, color="#444", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("Sharpe ratio of the selected model's backtest (net of costs)")
    title = f"{len(table)} variants"
    if summary.get("best"):
        title += (
            f"; best: deflated Sharpe {summary['deflated_sharpe']:.2f} "
            f"over {summary['trials']} trials in the ledger"
        )
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    out = io.StringIO()
    with rc_context({"svg.hashsalt": "mi-sweep"}):  # fixed ids, no date: the same bytes again
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


__all__ = ["comparison_svg"]
