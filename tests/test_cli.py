"""`mi runs list | show | verify` on a real store, including a tampered one."""

from __future__ import annotations

import pandas as pd
import pytest

from mi_kernel.cli import main
from mi_kernel.runstore import RunStore


def _sealed(store: RunStore) -> str:
    ctx = store.start("cli", {"k": 1})
    ctx.write_table(pd.DataFrame({"x": [1.0]}), "data/x.parquet")
    return store.seal(ctx.run_id).run_id


def test_list_show_verify(store: RunStore, capsys: pytest.CaptureFixture[str]) -> None:
    run_id = _sealed(store)
    root = ["--runs-root", str(store.root)]
    assert main([*root, "runs", "list"]) == 0
    assert run_id in capsys.readouterr().out
    assert main([*root, "runs", "show", run_id]) == 0
    out = capsys.readouterr().out
    assert "succeeded" in out and "root hash" in out
    assert main([*root, "runs", "verify"]) == 0
    assert "0 with problems" in capsys.readouterr().out


def test_verify_exits_non_zero_on_tampering(
    store: RunStore, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id = _sealed(store)
    target = store.sealed_dir(run_id) / "data/x.parquet"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"\0")
    assert main(["--runs-root", str(store.root), "runs", "verify", run_id]) == 1
    out = capsys.readouterr().out
    assert "BAD" in out and "data/x.parquet was changed" in out


def test_bad_input_is_a_clear_error(store: RunStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--runs-root", str(store.root), "runs", "show", "no-such-run"]) == 2
    assert "not sealed" in capsys.readouterr().err
    assert main(["run", "demo", "-p", "oops"]) == 2
    assert "is not key=value" in capsys.readouterr().err
