"""The lock, environment.yml and pyproject describe one environment."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_pins_exactly_the_lock() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    [pip] = [d["pip"] for d in deps if isinstance(d, dict)]
    conda_pins = dict(line.split("==") for line in pip)
    assert conda_pins == _lock()


def test_every_project_dependency_is_locked() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    names = {
        re.split(r"[\[<>=!~ ]", d)[0].lower().replace("_", "-") for d in project["dependencies"]
    }
    locked = {n.replace("_", "-") for n in _lock()}
    assert names - locked == set()


def test_lock_pins_every_line() -> None:
    body = [
        ln
        for ln in (ROOT / "requirements.lock").read_text().splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    assert body and all("==" in ln for ln in body)
