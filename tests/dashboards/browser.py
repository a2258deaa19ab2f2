"""The harness every face test uses: start a server on 127.0.0.1 (stopped by PID), open its
page in Debian's Chromium with every non-local request blocked, and record what went wrong.

    with served(panel_command(port, ("runs_console",)), url, env) as url:
        with offline_page() as page:
            page.goto(url)
            ...
            page.check()  # zero blocked requests, zero console errors

Screenshots go to ``MI_SCREENSHOTS`` (default ``build/screenshots/``, not in git): ``make
screenshots`` runs the face tests with it set to ``docs/screenshots/``, the ones the README shows,
so an ordinary test run leaves the working tree unchanged.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("MI_SCREENSHOTS") or PROJECT / "build" / "screenshots")

#: Counts canvases (Bokeh draws into them) through shadow roots too.
COUNT_CANVASES = """(() => { let n = 0; const walk = (root) => { root.querySelectorAll('*')
  .forEach((e) => { if (e.tagName === 'CANVAS' && e.width > 0 && e.height > 0) n++;
  if (e.shadowRoot) walk(e.shadowRoot); }); }; walk(document); return n; })()"""


#: Text of the page through shadow roots.
ALL_TEXT = """(() => { const out = []; const walk = (root) => { for (const e of root.children) {
  if (e.shadowRoot) walk(e.shadowRoot); if (e.tagName !== 'SCRIPT' && e.tagName !== 'STYLE'
  && e.children.length === 0 && e.textContent) out.push(e.textContent.trim());
  walk(e); } }; walk(document); return out.join('\\n'); })()"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _patience(deadline: float) -> float:
    """How long one request may wait: Voila answers a visitor once a kernel has run the
    dashboard, and a visitor who hangs up has still used that kernel, so short timeouts on a
    loaded machine hang up on every kernel in turn; one request does not wait for ever either:
    10 to 60 s."""
    return min(60.0, max(10.0, deadline - time.monotonic()))


def answers(url: str, timeout: float = 60) -> bool:
    """Whether ``url`` answers (HTTP 200) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=_patience(deadline)).read()
            return True
        except OSError:
            time.sleep(0.5)
    return False


@contextlib.contextmanager
def served(
    cmd: list[str], url: str, env: dict[str, str], log: Path, timeout: float = 120
) -> Iterator[str]:
    """Run ``cmd`` until ``url`` answers; yield the URL; stop the process by its PID."""
    out = open(log, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # its own process group: the kernels it starts stop with it
        cmd,
        cwd=PROJECT,
        env={**os.environ, **env},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=_patience(deadline)).read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(
                        f"{cmd[0]} did not serve {url}:\n{log.read_text()}"
                    ) from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the group's id is the server's PID
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything of the group still alive
        out.close()


class OfflinePage:
    """A Playwright page that blocks every request to a host other than 127.0.0.1."""

    def __init__(self, page: Any) -> None:
        self.page = page
        page.set_default_navigation_timeout(120_000)  # CI runs two workers on two cores
        self.blocked: list[str] = []
        self.errors: list[str] = []
        page.route("**/*", self._route)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any, request: Any) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("file:", "data:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(request.url)
            route.abort()

    def text(self) -> str:
        """The page's visible text, shadow roots included (Panel renders into them)."""
        return str(self.page.evaluate(ALL_TEXT))

    def canvases(self) -> int:
        return int(self.page.evaluate(COUNT_CANVASES))

    def wait_for_canvases(self, at_least: int = 1, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while (n := self.canvases()) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"{n} plot canvases drawn, expected >= {at_least}")
            self.page.wait_for_timeout(250)
        return n

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def check(self) -> None:
        assert self.blocked == [], f"the page asked the network for {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"


@contextlib.contextmanager
def offline_page(width: int = 1400, height: int = 1000) -> Iterator[OfflinePage]:
    """Debian's Chromium, headless, one page with non-local requests blocked."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by `make test` (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield OfflinePage(browser.new_page(viewport={"width": width, "height": height}))
        finally:
            browser.close()


__all__ = [
    "PROJECT",
    "SCREENSHOTS",
    "OfflinePage",
    "answers",
    "free_port",
    "offline_page",
    "served",
]
