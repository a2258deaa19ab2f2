"""The control plane from the command line: the same functions, roles and signatures."""

from __future__ import annotations

import pytest

from mi_kernel.cli import main as cli
from mi_kernel.governance import registry
from mi_kernel.runstore import RunStore
from tests.governance.conftest import acting_as


def _mi(store: RunStore, *args: str) -> int:
    return cli(["--runs-root", str(store.root), *args])


def test_cli_lifecycle(fresh: tuple[RunStore, str], capsys: pytest.CaptureFixture[str]) -> None:
    store, version = fresh
    assert _mi(store, "whoami") == 0 and "roles        researcher" in capsys.readouterr().out
    assert _mi(store, "models", "list") == 0 and version in capsys.readouterr().out
    with acting_as("ada"):  # the maker cannot validate
        assert _mi(store, "models", "validate", version, "--ticket", "T-1") == 2
        assert "may not validate_model" in capsys.readouterr().err
    with acting_as("grace"):
        assert _mi(store, "models", "validate", "latest", "--ticket", "T-1") == 0
    with acting_as("rita"):
        assert _mi(store, "models", "approve", version, "--ticket", "T-1") == 0
        out = capsys.readouterr().out
        assert "approved by rita" in out and "validation finding on record" in out
        assert _mi(store, "models", "deploy", version, "--ticket", "T-2") == 0
    assert registry.model(store.ledger, version).status == "deployed"
    assert _mi(store, "records", "list") == 0 and "runs" in capsys.readouterr().out
    assert _mi(store, "ledger", "checkpoint") == 0
    assert _mi(store, "exceptions", "list") == 0 and "no exceptions" in capsys.readouterr().out
    assert _mi(store, "runs", "fsck") == 0
    assert _mi(store, "runs", "verify") == 0
    with acting_as("carl"):
        assert (
            _mi(store, "records", "hold", "class:runs", "--reason", "inquiry", "--ticket", "M-1")
            == 0
        )
        assert _mi(store, "records", "purge", "--dry-run") == 0
        assert "nothing expired and unheld" in capsys.readouterr().out
