"""Every face over a sealed run opens in Chromium with no network: the Voila stakeholder
dashboard, the run's report from disk, its notebooks in the Lab view, the runs console."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import pytest

from mi_kernel.runstore import RunStore, verify_run
from mi_kernel.runstore.view import lab_command, prepare_view, remove_view
from mi_kernel.viz.serve import panel_command, voila_command
from tests.dashboards.browser import answers, free_port, offline_page, served

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("notebooks")]


def test_the_stakeholder_dashboard_opens_a_run_offline(
    demo: tuple[RunStore, str], tmp_path: Path
) -> None:
    store, run_id = demo
    port = free_port()
    cmd, env = voila_command(port, pool=1)  # one preheated kernel: a light load for CI
    url = f"http://127.0.0.1:{port}/"
    with (
        served(cmd, url, {**env, "MI_RUNS_ROOT": str(store.root)}, tmp_path / "voila.log", 300),
        offline_page() as page,
    ):
        p = page.page
        p.goto(url, wait_until="commit", timeout=180_000)  # Voila streams the page as it runs
        # one visit, no reload: a page that never finished (a lost kernel wake-up, fixed by
        # mi_kernel.viz.voila_server) fails here
        p.get_by_text("VERIFIED: every byte matches", exact=False).wait_for(timeout=120_000)
        page.wait_for_canvases(2)  # growth, drawdown (and the book)
        text = p.locator("body").inner_text()
        assert run_id in text and "Caveats — read these first" in text
        assert text.index("Caveats — read these first") < text.index("Headline")
        assert "deflated Sharpe" in text and "Signals, and why" in text
        assert text.index("Signals, and why") < text.index("Evidence for the top signals")
        assert "No evidence: no document linked to" in text  # the demo's text is of 1987
        page.screenshot("stakeholder_dashboard")
        page.check()
    assert verify_run(store, run_id).ok  # served and rendered: the run is unchanged


def test_the_report_opens_from_disk_offline(demo: tuple[RunStore, str]) -> None:
    store, run_id = demo
    report = store.sealed_dir(run_id) / "report/09_report.html"
    with offline_page() as page:
        page.page.goto(report.as_uri())
        page.wait_for_canvases(2)
        page.screenshot("run_report")
        page.check()


def test_the_lab_view_shows_the_notebooks_plots_offline(
    demo: tuple[RunStore, str], tmp_path: Path
) -> None:
    store, run_id = demo
    view = prepare_view(store, run_id)
    port, token = free_port(), secrets.token_hex(8)
    url = f"http://127.0.0.1:{port}/lab/tree/09_report.ipynb?token={token}"
    try:
        cmd = lab_command(view, port, token, open_browser=False)
        api = f"http://127.0.0.1:{port}/api/status?token={token}"
        with served(cmd, api, {}, tmp_path / "lab.log"), offline_page() as page:
            p = page.page
            p.goto(url)
            p.locator(".jp-Notebook").first.wait_for(timeout=120_000)
            drawn = 0
            for _ in range(40):  # Lab renders the cells near the viewport: scroll down
                p.evaluate(
                    "(() => { const o = document.querySelector('.jp-WindowedPanel-outer');"
                    " if (o) o.scrollTop += 500; })()"
                )
                p.wait_for_timeout(400)
                drawn = max(drawn, page.canvases())
                if drawn:
                    break
            assert drawn, "the view's notebook shows no plot (untrusted, or scripts missing)"
            page.screenshot("lab_view")
            page.check()
    finally:
        remove_view(view)
    assert verify_run(store, run_id).ok


def test_the_runs_console_shows_a_run_offline(demo: tuple[RunStore, str], tmp_path: Path) -> None:
    store, run_id = demo
    port = free_port()
    url = f"http://127.0.0.1:{port}/runs_console"
    env = {"MI_RUNS_ROOT": str(store.root)}
    with (
        served(panel_command(port, ("runs_console",)), url, env, tmp_path / "panel.log"),
        offline_page() as page,
    ):
        p = page.page
        p.goto(url)
        p.locator(".mi-id").first.wait_for(timeout=60_000)
        p.locator("select").first.select_option(run_id)  # other tests may add newer runs
        p.locator(".mi-id", has_text=run_id).first.wait_for(timeout=30_000)
        page.wait_for_canvases(1)
        text = page.text()
        assert "VERIFIED" in text and run_id in text
        assert "index" not in text.split("\n")  # no pandas index column in the tables
        page.screenshot("runs_console")
        p.get_by_text("Audit trail").first.click()
        p.get_by_text("model registered").first.wait_for(timeout=30_000)
        assert "unknown" not in page.text()
        page.check()


def test_mi_dashboards_serves_both_faces(demo: tuple[RunStore, str], tmp_path: Path) -> None:
    """`mi dashboards` (what `make dashboards` runs) starts Voila and the consoles."""
    store, _ = demo
    vport, pport = free_port(), free_port()
    cmd = [sys.executable, "-m", "mi_kernel.cli", "--runs-root", str(store.root), "dashboards",
           "--voila-port", str(vport), "--voila-pool", "1", "--panel-port", str(pport)]  # fmt: skip
    with served(cmd, f"http://127.0.0.1:{pport}/runs_console", {}, tmp_path / "mi.log"):
        assert answers(f"http://127.0.0.1:{vport}/", timeout=300)
