"""Importing the intraday package connects to nothing and starts nothing."""

from __future__ import annotations

import subprocess
import sys

PROBE = r"""
import sys, threading
before = threading.active_count()
import mi_kernel.intraday
print(repr(("redis" in sys.modules, threading.active_count() - before)))
"""


def test_import_intraday_loads_no_client_and_starts_no_thread() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    redis_loaded, new_threads = eval(out.stdout.strip().splitlines()[-1])
    assert redis_loaded is False and new_threads == 0
