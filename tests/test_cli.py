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


def test_pipelines_prints_a_parameter_table(capsys: pytest.CaptureFixture[str]) -> None:
    from mi_kernel.pipeline import load_pipeline

    assert main(["pipelines", "demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(
        line for line in lines if line.split()[:4] == ["parameter", "default", "type", "help"]
    )
    start = lines.index(header)
    for name in load_pipeline("demo").parameters:  # every parameter has its row
        assert any(line.split()[:1] == [name] for line in lines[start:]), name
    rows = {line.split()[0]: line for line in lines[start + 1 :] if line[:3].strip()}
    assert (
        rows["n_splits"].split()[1:3] == ["5", "int"] and "walk-forward folds" in rows["n_splits"]
    )
    assert rows["symbols"].split()[1:5] == ["[]", "list", "of", "str"]
    assert rows["start"].split()[1:5] == ["null", "str", "or", "null"]
    assert "dict" in rows["execution"] and "{participation: 0.1}" in rows["execution"]
    assert "synthetic:" not in out  # only the pipeline asked for
    text = " ".join(out.split())
    assert "-p replaces the whole mapping" in text
    assert "a list is comma-separated" in text and "REPLACES the default whole" in text


def test_pipelines_json_and_run_help(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["pipelines", "--json"]) == 0
    parsed = json.loads(capsys.readouterr().out)
    assert parsed["demo"]["source"] == "sp500_ohlcv" and "synthetic" in parsed
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "comma-separated (-p symbols=AAPL,MSFT,IBM" in text
    assert "it is not merged with it" in text and "costs={base: zero}" in text
