"""Approve a run's book and publish its targets through the gate, as a new run.

The pipeline proposes (notebook 07 writes a *draft* instruction while the book or the model
lacks approval); the control plane decides:

- :func:`approve_run_book` — a risk or compliance officer e-signs the book definition the
  run was built with (bound to its hash and a change ticket);
- :func:`publish_run` — a publisher opens a *publication* run that reads the sealed run's
  targets, risk and model, and calls ``tools.publish_portfolio``: the pre-trade check and the
  gate (approved book by someone else, approved model) decide between published and draft
  (or a refusal in stage and prod).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mi_kernel.errors import ConfigError
from mi_kernel.governance import registry
from mi_kernel.governance.roles import Action
from mi_kernel.schemas.records import AuditEntry

#: Where ``publish_portfolio`` writes instructions: their own folder, so the compliance step
#: that publishes owns them and the portfolio step owns the rest of ``portfolio/``.
PUBLISHED = "portfolio/published"


def instruction_path(run_dir: Path, version: str) -> Path:
    """The instruction ``version`` in a run (older runs kept it in ``portfolio/``)."""
    path = run_dir / PUBLISHED / f"{version}.json"
    legacy = run_dir / "portfolio" / f"{version}.json"
    return legacy if not path.exists() and legacy.exists() else path


def instruction_paths(run_dir: Path) -> list[Path]:
    """Every instruction published in a run, old layout included."""
    other = ("risk.json", "whatif.json")
    legacy = [p for p in sorted(run_dir.glob("portfolio/*.json")) if p.name not in other]
    return sorted(run_dir.glob(f"{PUBLISHED}/*.json")) + legacy


def _sealed_run(store: Any, run_id: str) -> Any:
    if run_id == "latest":
        return max(
            (m for m in store.runs() if m.status == "succeeded" and "book" in m.parameters),
            key=lambda m: m.sealed,
            default=None,
        ) or _missing(store)
    return store.manifest(run_id)


def _missing(store: Any) -> Any:
    raise ConfigError(f"no succeeded run with a book under {store.root}: `mi run demo` first")


def selected_model(store: Any, run_id: str = "latest") -> str:
    """The model whose signals a run's book was built from (``signals/latest.json``)."""
    import json

    m = _sealed_run(store, run_id)
    path = store.sealed_dir(m.run_id) / "signals" / "latest.json"
    if not path.exists():
        raise ConfigError(f"run {m.run_id} scored no signals (no signals/latest.json)")
    return str(json.loads(path.read_text())["model_version"])


def run_book(manifest: Any) -> dict[str, Any]:
    """The book definition a run was built with (its ``book`` parameter)."""
    book = manifest.parameters.get("book")
    if not isinstance(book, dict):
        raise ConfigError(f"run {manifest.run_id} has no book parameter: nothing to approve")
    return dict(book)


def book_hash(book: dict[str, Any]) -> str:
    from mi_kernel import portfolio
    from mi_kernel.runstore import sha256_json

    return sha256_json(portfolio.as_book_definition(book).record())


def approve_run_book(store: Any, run_id: str, ticket: str, note: str = "") -> AuditEntry:
    m = _sealed_run(store, run_id)
    book = run_book(m)
    return registry.approve_book(store.ledger, str(book["name"]), book_hash(book), ticket, note)


def publish_run(store: Any, run_id: str) -> tuple[str, str]:
    """Publish a sealed run's targets in a new run; return (publication run id, version)."""
    from mi_kernel import data, tools
    from mi_kernel.runstore import use_run

    m = _sealed_run(store, run_id)
    book = run_book(m)
    source = m.parameters.get("sector_source") or m.parameters.get("source")
    sectors = data.load_sectors(str(source)).set_index("symbol")["sector"].to_dict()
    base = f"run://{m.run_id}"
    ctx = store.start("publication", {"from_run": m.run_id, "book": book}, action=Action.PUBLISH)
    with use_run(ctx):
        for name in ("signals/latest.json", "portfolio/targets.parquet", "portfolio/risk.json"):
            ctx.record_run_input(f"{m.run_id}:{name}", f"{base}/{name}")
        latest = ctx.read_json(f"{base}/signals/latest.json")
        version = tools.publish_portfolio(
            f"{base}/portfolio/targets.parquet",
            {**book, "sectors": sectors},
            risk_uri=f"{base}/portfolio/risk.json",
            model_version=str(latest["model_version"]),
        )
    sealed = store.seal(ctx.run_id)
    return sealed.run_id, version


__all__ = [
    "PUBLISHED",
    "approve_run_book",
    "book_hash",
    "instruction_path",
    "instruction_paths",
    "publish_run",
    "run_book",
    "selected_model",
]
