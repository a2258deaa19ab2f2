"""The engine's Numba kernel, compiled once per machine and kernel source, not once per clone.

Numba's ``cache=True`` keeps compiled code next to the source file (``__pycache__``) and
trusts it only for that file's path and modification time, so every fresh clone, worktree or
CI checkout of this repository compiles the kernel again (about 7 s on 2 cores). Here the
kernel's source file is copied, unchanged, into a folder of the user's cache named by the
content hash of the kernel and of the cost functions it compiles in,
``$XDG_CACHE_HOME/mi/numba/<hash>/`` (default ``~/.cache``), and the kernel is imported from
there: every checkout with the same kernel source shares one path, one modification time and
therefore one Numba cache. A changed kernel (or cost function) hashes to a new folder, so a
stale cache is never loaded. (Not ``$MI_CACHE_DIR``: that holds data, and the tests point it
at a temporary folder; compiled kernels are keyed by their source and safe to share.)
``NUMBA_CACHE_DIR``, when set, still decides where Numba writes its files.

A machine that has never compiled this kernel source still pays the full compile on its first
backtest (``make warm`` does it before a session); a fresh clone on a machine that has loads
the compiled kernel (well under a second).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

#: The kernel's source and the source it compiles in (the cost functions it calls).
SOURCES = ("_engine.py", "costs.py")


def kernel_dir(cache_dir: Path | None = None) -> Path:
    """Return the folder of this kernel source: ``<cache>/numba/<sha256 of SOURCES>[:16]``.

    ``cache_dir`` defaults to ``$XDG_CACHE_HOME/mi``, else ``~/.cache/mi``.
    """
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = cache_dir or (Path(xdg) if xdg else Path.home() / ".cache") / "mi"
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return Path(base) / "numba" / digest.hexdigest()[:16]


@cache
def engine_kernel() -> ModuleType:
    """Import the engine kernel (``_engine.py``) from its content-addressed copy.

    Returns
    -------
    module
        The kernel module; ``engine_kernel().run_engine`` is
        :func:`mi_kernel.backtest._engine.run_engine` compiled into the shared cache.
    """
    source = (Path(__file__).parent / "_engine.py").read_bytes()
    folder = kernel_dir()
    path = folder / "mi_engine_kernel.py"
    _publish(path, source)
    name = f"mi_engine_kernel_{folder.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py path always has one
        raise ImportError(f"cannot import the engine kernel from {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Numba's cached code finds its globals by the module's name
    spec.loader.exec_module(module)
    return module


def _publish(path: Path, source: bytes) -> None:
    """Write ``source`` to ``path`` unless it is there already; never rewrite a good copy.

    Rewriting would change the copy's modification time, which invalidates Numba's cache. The
    copy appears atomically (a temporary file hard-linked into place), so processes starting
    together never import half a file.
    """
    if path.exists() and path.read_bytes() == source:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kernel-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(source)
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process published it, or a bad copy is there
            if path.read_bytes() != source:
                os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
