"""A small synthetic session shared by the intraday tests: 12 names, one day of ticks."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import redis

from mi_kernel.data.synthetic import SyntheticConfig, TickConfig, load, session_ticks


@pytest.fixture(scope="session")
def session_day() -> tuple[pd.DataFrame, pd.Timestamp]:
    """The last day's daily bars of a 12-name synthetic market, one row per symbol."""
    bars = load("bars", SyntheticConfig(n_symbols=12, n_days=5, listing_rate=0.0))
    date = bars["ts"].max()
    return bars[bars["ts"] == date].reset_index(drop=True), date


#: a session with every pathology frequent enough to show up in 12 names x 300 trades
NOISY = TickConfig(
    trades_per_day=300, late_frac=0.01, duplicate_frac=0.01, bad_print_frac=0.003,
    crossed_frac=0.003, malformed_frac=0.003,
)  # fmt: skip


@pytest.fixture(scope="session")
def ticks(session_day: tuple[pd.DataFrame, pd.Timestamp]) -> np.ndarray:
    day, date = session_day
    return session_ticks(day, date, NOISY)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server from Debian's redis-server package on 127.0.0.1, a free port, no
    persistence, in a temporary folder; stopped by its PID."""
    exe = shutil.which("redis-server")
    assert exe, "Debian's redis-server is installed by `make test` (apt-get install redis-server)"
    folder = tmp_path_factory.mktemp("redis")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(folder / "redis.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [exe, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--protected-mode", "yes"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((folder / "redis.log").read_text()) from None
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
