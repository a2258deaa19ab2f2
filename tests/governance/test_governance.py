"""Governance views: the runs register, steps, audit trail, integrity and the runs console."""

from __future__ import annotations

import os
import stat

import pandas as pd

from mi_kernel.governance import integrity, ledger_table, runs_table, steps_table
from mi_kernel.runstore import RunStore


def _sealed(store: RunStore, name: str) -> str:
    ctx = store.start(name, {"x": 1})
    ctx.write_table(pd.DataFrame({"a": [1, 2]}), "out/a.parquet")
    ctx.write_json({"k": "v"}, "out/k.json")
    return store.seal(ctx.run_id).run_id


def test_register_lists_runs_newest_first_with_their_hashes(store: RunStore) -> None:
    first, second = _sealed(store, "one"), _sealed(store, "two")
    table = runs_table(store)
    assert list(table["run_id"]) == [second, first]
    assert (table["status"] == "succeeded").all() and (table["files"] >= 2).all()
    assert steps_table(store, first).empty  # sealed outside a pipeline: no steps


def test_ledger_view_filters_by_run(store: RunStore) -> None:
    first = _sealed(store, "one")
    _sealed(store, "two")
    trail = ledger_table(store, first)
    assert list(trail["subject"]) == [first] and list(trail["kind"]) == ["run"]
    assert len(ledger_table(store)) == 2


def test_integrity_reports_a_changed_byte(store: RunStore) -> None:
    run_id = _sealed(store, "one")
    assert integrity(store, run_id) == {"ok": True, "problems": []}
    target = store.sealed_dir(run_id) / "out/k.json"
    os.chmod(target, stat.S_IWUSR | stat.S_IRUSR)
    target.write_text('{"k": "w"}')
    check = integrity(store, run_id)
    assert not check["ok"] and "out/k.json was changed" in " ".join(check["problems"])


def test_console_shows_the_selected_run(store: RunStore) -> None:
    import panel as pn

    from mi_kernel.viz.console import build_console, run_detail

    run_id = _sealed(store, "one")
    app = build_console(store)
    side = app[1][0]  # console_page: the navigation bar, then (side column, body)
    [select] = [w for w in side if isinstance(w, pn.widgets.Select)]
    assert select.value == run_id
    tabs = run_detail(store, run_id)
    assert [name for name, _ in zip(tabs._names, tabs, strict=True)] == [
        "Overview",
        "Report",
        "Audit trail",
    ]
    overview = tabs[0][0].object
    assert run_id in overview and "VERIFIED" in overview
    assert "no report" in tabs[1].object
