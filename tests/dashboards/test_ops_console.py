"""The Ops / Compliance console, served by Panel and driven in headless Chromium, offline."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from mi_kernel.governance import registry
from mi_kernel.runstore import RunStore
from mi_kernel.viz.ops_console import approval_queue, audit_status

PROJECT = Path(__file__).resolve().parents[2]
PANEL = Path(sys.executable).with_name("panel")


def test_queue_and_audit_tables(fresh: tuple[RunStore, str]) -> None:
    store, version = fresh
    queue = approval_queue(store)
    assert queue.to_dict("records")[0] | {"ref": None} == {
        "kind": "model", "subject": version, "state": "draft", "maker": "ada",
        "next": "validate", "ref": None,
    }  # fmt: skip
    table, anchor = audit_status(store)
    assert (table["verified"] == "ok").all() and anchor["witnessed"] is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(fresh: tuple[RunStore, str], tmp_path: Path) -> Iterator[tuple[str, RunStore, str]]:
    store, version = fresh
    port = _free_port()
    env = {**os.environ, "MI_RUNS_ROOT": str(store.root), "MI_IDENTITY": "grace"}
    log = open(tmp_path / "panel.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(PANEL), "serve", "dashboards/ops_console.py", "--address", "127.0.0.1",
         "--port", str(port), "--allow-websocket-origin", f"127.0.0.1:{port}"],
        cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/ops_console"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError((tmp_path / "panel.log").read_text()) from None
                time.sleep(0.5)
        yield url, store, version
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_console_validates_a_model_offline_in_chromium(served: tuple[str, RunStore, str]) -> None:
    from playwright.sync_api import sync_playwright

    url, store, version = served
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by `make test` (apt-get install chromium)"
    blocked: list[str] = []

    def only_local(route, request) -> None:  # type: ignore[no-untyped-def]
        if urlparse(request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            page.goto(url)
            page.get_by_text("Approval queue").first.wait_for(timeout=60_000)
            page.get_by_text("every run and the ledger verify", exact=False).first.wait_for(
                state="attached", timeout=30_000
            )
            page.get_by_placeholder("CHG-1234").fill("CHG-77")
            page.get_by_placeholder("CHG-1234").press("Enter")
            page.get_by_role("button", name=f"Validate model {version}").click()
            page.get_by_text(f"validate {version}: done, signed by grace").wait_for(timeout=90_000)
        finally:
            browser.close()
    assert blocked == [], f"the console asked the network for {blocked}"
    rec = registry.model(store.ledger, version)
    assert rec.status == "validated" and rec.history[-1].actor == "grace"
    assert rec.history[-1].detail["ticket"] == "CHG-77"
