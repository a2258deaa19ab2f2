"""Importing the RAG package loads no weights and none of the libraries that read them."""

from __future__ import annotations

import subprocess
import sys

PROBE = r"""
import sys, builtins
opened = []
real_open = builtins.open
def spy(*a, **k):
    opened.append(str(a[0]))
    return real_open(*a, **k)
import mi_kernel  # its own import is checked by tests/test_import.py
before = set(sys.modules)
builtins.open = spy
import mi_kernel.rag
builtins.open = real_open
heavy = {"qdrant_client", "chromadb", "tokenizers", "safetensors", "scipy", "all_minilm_l6_v2",
         "grpc"}
loaded = sorted({m.split(".")[0] for m in set(sys.modules) - before} & heavy)
print(repr((loaded, [o for o in opened if "model.zip" in o or "minilm" in o.lower()])))
"""


def test_import_reads_no_weights_and_loads_no_heavy_library() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert eval(out.stdout.strip()) == ([], [])
