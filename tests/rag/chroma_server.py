"""A real Chroma server (``chroma run`` from the chromadb package) on 127.0.0.1, a free port.

Used by the tests (a session fixture) and by ``benchmarks/rag.py``; stopped by its PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _chroma_exe() -> str:
    exe = Path(sys.executable).with_name("chroma")  # the venv's own, beside its python
    found = str(exe) if exe.exists() else shutil.which("chroma")
    assert found, "the chroma command ships with chromadb (requirements.in): run `make venv`"
    return found


@contextmanager
def chroma_server(folder: Path, timeout: float = 60.0) -> Iterator[str]:
    """Start ``chroma run`` persisting to ``folder``; yield its url; stop it by PID."""
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = folder / "chroma.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [_chroma_exe(), "run", "--host", "127.0.0.1", "--port", str(port),
         "--path", str(folder / "data")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"chroma run did not answer: {log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
