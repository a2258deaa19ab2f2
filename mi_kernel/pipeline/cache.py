"""The step cache: a step whose every input is unchanged reuses an earlier sealed run's products.

A step's **key** is what its products are a function of:

- ``notebook``: the sha256 of the step's source notebook;
- ``kernel``: one digest of every file of the ``mi_kernel`` package. Steps run in warm kernels
  that import the whole kernel, so any change to its source invalidates every step — a
  per-module dependency set would miss what one step imported for another;
- ``lock``: the sha256 of ``requirements.lock`` (the library versions);
- ``parameters``: the step's parameters, with the run id replaced by ``{run_id}``;
- ``upstream``: the products of every step it depends on (transitively), by content hash;
- ``gate``: for a ``governed`` step (one that publishes through the gate), the digest of what
  the gate decides on (:func:`mi_kernel.governance.gate.gate_state`: environment, identity,
  roles, approvals and model statuses); None for the others. A reused governed step does not
  act again: its publication is the one the ledger recorded for the earlier run.

and, checked only once a candidate matches all of the above, the catalog datasets it read in
that run: each is read again now and must hash the same (a changed source is a miss).

A hit copies the step's files from the sealed run (its ``writes`` folders, its executed
notebook, its events, its report and the scripts they load) after checking every byte against
that run's manifest, and writes this run's id where the earlier run's stood: the copy is what
executing the step again would have written. The new run records the step as ``reused``, from
which run, with the key that matched; it is sealed, hashed and verifiable on its own.

Product hashes are taken with the run id normalised (text files only; no stored table holds
a run id), so a reused step's products hash as the original's and its consumers hit too.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlparse

from mi_kernel.pipeline.spec import PipelineSpec, StepSpec
from mi_kernel.runstore import Manifest, RunContext, RunStore
from mi_kernel.runstore.context import step_reads
from mi_kernel.runstore.hashing import sha256_file, sha256_json
from mi_kernel.runstore.jsonl import read_jsonl
from mi_kernel.runstore.manifest import lock_sha256
from mi_kernel.runstore.store import MODELS_JOURNAL

PLACEHOLDER = "{run_id}"
#: Files whose run ids are rewritten on reuse and normalised when hashed.
TEXT = frozenset({".json", ".jsonl", ".ipynb", ".html", ".md", ".csv", ".txt", ".yml", ".yaml"})
READS = "_meta/reads.jsonl"
INPUTS = "_meta/inputs.jsonl"
STATIC_REF = re.compile(rb"static/([0-9a-f]{64})\.js")
#: What a key is compared on before the datasets are read again.
KEY_PARTS = ("notebook", "kernel", "lock", "parameters", "upstream", "gate")


def kernel_digest() -> str:
    """One sha256 over every source file of the ``mi_kernel`` package (caches excluded)."""
    import mi_kernel

    root = Path(mi_kernel.__file__).parent
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".nbi", ".nbc"}
    )
    return sha256_json({p.relative_to(root).as_posix(): sha256_file(p) for p in files})


def normalised_sha(path: Path, run_id: str) -> str:
    """sha256 of a product with ``run_id`` replaced by ``{run_id}`` (text files)."""
    if path.suffix not in TEXT:
        return sha256_file(path)
    import hashlib

    data = path.read_bytes().replace(run_id.encode(), PLACEHOLDER.encode())
    return hashlib.sha256(data).hexdigest()


def owner(spec: PipelineSpec, relpath: str) -> str | None:
    """The step owning ``relpath``: the one whose folder is the longest prefix of it (the
    compliance step owns ``portfolio/published/`` inside the portfolio step's ``portfolio/``)."""
    best = max(
        ((len(f), s.name) for s in spec.steps for f in s.owned if relpath.startswith(f)),
        default=None,
    )
    return best[1] if best else None


def _owned_files(run_dir: Path, spec: PipelineSpec, step: StepSpec) -> list[Path]:
    out: list[Path] = []
    for prefix in step.owned:
        folder = run_dir / prefix
        if folder.is_dir():
            out += [p for p in folder.rglob("*") if p.is_file()]
    return sorted(p for p in out if owner(spec, p.relative_to(run_dir).as_posix()) == step.name)


def step_files(run_dir: Path, spec: PipelineSpec, step: StepSpec) -> list[str]:
    """Every file a step wrote into a run (relative paths): its folders, executed notebook,
    events and report."""
    own = [
        f"notebooks/{step.notebook}",
        f"events/{step.name}.jsonl",
        *([f"report/{Path(step.notebook).stem}.html"] if step.report else []),
    ]
    files = {p.relative_to(run_dir).as_posix() for p in _owned_files(run_dir, spec, step)}
    return sorted(files | {f for f in own if (run_dir / f).is_file()})


def products_digest(run_dir: Path, run_id: str, spec: PipelineSpec, step: StepSpec) -> str:
    """Content digest of a step's products (the files of its folders), run id normalised."""
    return sha256_json(
        {
            p.relative_to(run_dir).as_posix(): normalised_sha(p, run_id)
            for p in _owned_files(run_dir, spec, step)
        }
    )


def ancestors(spec: PipelineSpec, step: StepSpec) -> list[str]:
    """Every step ``step`` depends on, directly or through others, in declaration order."""
    by_name = {s.name: s for s in spec.steps}
    seen: set[str] = set()
    todo = list(step.after)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += by_name[name].after
    return [s.name for s in spec.steps if s.name in seen]


def unclaimed(run_dir: Path, spec: PipelineSpec) -> list[str]:
    """Files of a run that no step owns (outside ``_meta/`` and ``static/``): a run that has
    any cannot be reused from, since a copy would miss them."""
    claimed = {f for step in spec.steps for f in step_files(run_dir, spec, step)}
    return sorted(
        rel
        for p in run_dir.rglob("*")
        if p.is_file()
        and (rel := p.relative_to(run_dir).as_posix()).split("/", 1)[0] not in {"_meta", "static"}
        and rel != "manifest.json"
        and rel not in claimed
    )


def step_key(
    step: StepSpec,
    folder: Path,
    parameters: Mapping[str, Any],
    run_id: str,
    upstream: Mapping[str, str],
    kernel: str,
    project_root: Path | None,
    gate: str | None = None,
) -> dict[str, Any]:
    """The key of ``step`` (see module docstring), datasets aside."""
    params = json.loads(json.dumps(dict(parameters), default=str).replace(run_id, PLACEHOLDER))
    return {
        "notebook": sha256_file(folder / step.notebook),
        "kernel": kernel,
        "lock": lock_sha256(project_root),
        "parameters": sha256_json(params),
        "upstream": dict(upstream),
        "gate": gate,
    }


def dataset_sha(uri: str) -> str | None:
    """Read a ``catalog://`` dataset again as it was read, and hash it (None if it cannot be)."""
    from mi_kernel.data.sources import read_source
    from mi_kernel.runstore.hashing import sha256_frame

    parsed = urlparse(uri)
    if parsed.scheme != "catalog":
        return None
    query = dict(parse_qsl(parsed.query))
    filters: dict[str, Any] = dict(query)
    if "symbols" in filters:
        filters["symbols"] = [s for s in filters["symbols"].split(",") if s]
    try:
        return sha256_frame(read_source(parsed.netloc, **filters))
    except Exception:  # a source that cannot be read again is a miss, not a crash
        return None


@dataclass(frozen=True)
class Hit:
    """An earlier sealed run whose step can be reused."""

    manifest: Manifest
    record: dict[str, Any]  # the step's record in that run


class StepCache:
    """Find and copy reusable steps for one new run (dataset re-reads memoised)."""

    def __init__(self, store: RunStore, spec: PipelineSpec) -> None:
        self.store, self.spec = store, spec
        self._datasets: dict[str, str | None] = {}
        self._runs = sorted(
            (m for m in store.runs() if m.status == "succeeded"),
            key=lambda m: m.sealed,
            reverse=True,
        )

    def _dataset(self, uri: str) -> str | None:
        if uri not in self._datasets:
            self._datasets[uri] = dataset_sha(uri)
        return self._datasets[uri]

    def find(self, step: StepSpec, key: Mapping[str, Any]) -> Hit | None:
        """The newest sealed run whose ``step`` had this key and whose datasets still hash
        the same; None if there is none."""
        want = {k: key[k] for k in KEY_PARTS}
        for m in self._runs:
            rec = next((s for s in m.steps if s.name == step.name), None)
            if rec is None or rec.key is None or rec.status == "failed":
                continue
            if {k: rec.key.get(k) for k in KEY_PARTS} != want:
                continue
            if all(self._dataset(uri) == sha for uri, sha in rec.datasets.items()):
                return Hit(m, rec.model_dump(mode="json"))
        return None

    def copy(self, hit: Hit, step: StepSpec, ctx: RunContext) -> list[str]:
        """Copy ``step``'s files from ``hit`` into ``ctx``'s run, checked against the sealed
        manifest, with the run id rewritten; return the copied relative paths."""
        src_id, dst_id = hit.manifest.run_id, ctx.run_id
        src = self.store.sealed_dir(src_id)
        files = step_files(src, self.spec, step)
        scripts = set()
        for rel in files:
            if Path(rel).suffix in {".ipynb", ".html"}:
                scripts |= {m.decode() for m in STATIC_REF.findall((src / rel).read_bytes())}
        files += [f"static/{sha}.js" for sha in sorted(scripts)]
        for rel in files:
            expected = hit.manifest.products.get(rel)
            if expected is None or sha256_file(src / rel) != expected:
                raise CacheMiss(f"{src_id}/{rel} does not match its sealed hash")
        for rel in files:
            dst = ctx.path(rel)
            if rel.startswith("static/") and dst.exists():
                continue  # content-addressed: already there
            if Path(rel).suffix in TEXT:
                dst.write_bytes((src / rel).read_bytes().replace(src_id.encode(), dst_id.encode()))
            else:
                shutil.copyfile(src / rel, dst)
        self._copy_journals(src, src_id, step, ctx, files)
        return files

    def _copy_journals(
        self, src: Path, src_id: str, step: StepSpec, ctx: RunContext, files: list[str]
    ) -> None:
        """The step's lines of the run's journals: the datasets it read, the models it made."""
        # the row counts the earlier run recorded with each input
        rows = {(i["uri"], i["sha256"]): i.get("rows") for i in read_jsonl(src / INPUTS)}
        for row in read_jsonl(src / READS):
            if row["step"] == step.name:
                n = rows.get((row["uri"], row["sha256"]))
                ctx.record_input(row["name"], row["uri"], row["sha256"], n)
                ctx.record_step_read(step.name, row["name"], row["uri"], row["sha256"])
        made = {f.split("/")[1] for f in files if f.startswith("models/")}
        for model in read_jsonl(src / MODELS_JOURNAL):
            if model.get("model_version") in made:
                text = json.dumps(model).replace(src_id, ctx.run_id)
                ctx._append(MODELS_JOURNAL, json.loads(text))


class CacheMiss(Exception):
    """A candidate turned out not to be reusable (its bytes no longer match its manifest)."""


__all__ = [
    "KEY_PARTS",
    "CacheMiss",
    "Hit",
    "StepCache",
    "ancestors",
    "dataset_sha",
    "kernel_digest",
    "normalised_sha",
    "owner",
    "products_digest",
    "step_files",
    "step_key",
    "step_reads",
    "unclaimed",
]
