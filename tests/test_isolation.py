"""Tests never write into the project's runs/ or witness folder, from fixtures of any scope."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def module_env() -> dict[str, str]:
    return {k: os.environ.get(k, "") for k in ("MI_RUNS_ROOT", "MI_WITNESS_DIR")}


@pytest.mark.parametrize("name", ["MI_RUNS_ROOT", "MI_WITNESS_DIR"])
def test_module_fixtures_see_per_worker_folders(module_env: dict[str, str], name: str) -> None:
    value = module_env[name]
    assert value, f"{name} is unset for module fixtures: they would use the project's folder"
    assert not Path(value).resolve().is_relative_to(PROJECT), f"{name}={value} is the project's"
