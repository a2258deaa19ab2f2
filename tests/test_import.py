"""``import mi_kernel`` has no side effects: no heavy imports, no I/O, no logging handlers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = r"""
import logging, sys, builtins
opened = []
real_open = builtins.open
def spy(*a, **k):
    opened.append((str(a[0]), a[1] if len(a) > 1 else k.get("mode", "r")))
    return real_open(*a, **k)
builtins.open = spy
before = set(sys.modules)
import mi_kernel
builtins.open = real_open
heavy = {"quantstats", "shap", "pymc", "panel", "holoviews", "hvplot", "bokeh", "sklearn", "dask",
         "matplotlib", "papermill", "intake", "xarray", "skfolio"}
loaded = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in heavy)
print(repr((loaded, opened, logging.getLogger().handlers)))
"""


def test_import_is_side_effect_free() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    loaded, opened, handlers = eval(out.stdout.strip())
    assert loaded == []
    # Libraries may read their own data (the tz database); the kernel reads/writes nothing of ours.
    assert [o for o in opened if any(m in o[1] for m in "wax+")] == []
    root = str(Path(__file__).resolve().parents[1])
    assert [o for o in opened if o[0].startswith(root) and not o[0].endswith(".py")] == []
    assert handlers == []
