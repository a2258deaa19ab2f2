"""kernel_cache: the engine kernel imported from a content-addressed copy in the user cache."""

from __future__ import annotations

import hashlib
import inspect
import os
from pathlib import Path

import pytest

from mi_kernel.backtest import _engine, costs
from mi_kernel.backtest.kernel_cache import _publish, engine_kernel, kernel_dir


def test_folder_is_named_by_the_kernel_and_cost_sources(tmp_path) -> None:
    digest = hashlib.sha256(
        Path(_engine.__file__).read_bytes() + Path(costs.__file__).read_bytes()
    ).hexdigest()
    assert kernel_dir(tmp_path) == tmp_path / "numba" / digest[:16]


def test_folder_is_in_the_users_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert kernel_dir().parent == tmp_path / "mi" / "numba"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert kernel_dir().parent == tmp_path / "home" / ".cache" / "mi" / "numba"
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path / "data"))  # data only: tests set it
    assert kernel_dir().parent == tmp_path / "home" / ".cache" / "mi" / "numba"


def test_the_kernel_runs_from_an_unchanged_copy() -> None:
    module = engine_kernel()
    copy = Path(inspect.getfile(module.run_engine.py_func))
    assert copy.parent == kernel_dir()  # not the checkout: every clone shares this path
    assert copy.read_bytes() == Path(_engine.__file__).read_bytes()
    assert module.run_engine._cache._cache_path.startswith(str(kernel_dir()))
    assert engine_kernel() is module  # imported once per process


def test_publish_keeps_a_good_copy_and_replaces_a_bad_one(tmp_path) -> None:
    path = tmp_path / "k" / "kernel.py"
    _publish(path, b"x = 1\n")
    os.utime(path, (1_000_000, 1_000_000))  # Numba trusts its cache for this mtime only
    _publish(path, b"x = 1\n")
    assert path.stat().st_mtime == 1_000_000 and path.read_bytes() == b"x = 1\n"
    path.write_bytes(b"x = 2  # a torn or edited copy\n")
    _publish(path, b"x = 1\n")
    assert path.read_bytes() == b"x = 1\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["kernel.py"]  # no temp files


def test_a_new_kernel_source_gets_a_new_folder(tmp_path, monkeypatch) -> None:
    import mi_kernel.backtest.kernel_cache as kc

    before = kernel_dir(tmp_path)
    package = tmp_path / "pkg"
    package.mkdir()
    for name in kc.SOURCES:
        (package / name).write_bytes(Path(_engine.__file__).with_name(name).read_bytes())
    (package / "_engine.py").write_bytes((package / "_engine.py").read_bytes() + b"\n# edit\n")
    monkeypatch.setattr(kc, "__file__", str(package / "kernel_cache.py"))
    after = kernel_dir(tmp_path)
    assert after.parent == before.parent and after != before
    with pytest.raises(FileNotFoundError):
        monkeypatch.setattr(kc, "SOURCES", ("_engine.py", "missing.py"))
        kernel_dir(tmp_path)
