"""RAG: MiniLM embedding throughput in NumPy, and as-of query latency at 100k passages.

    .venv/bin/python benchmarks/rag.py [--passages 100000] [--queries 200]

1. Embedding: the passages of the synthetic filings corpus (tests/rag/corpus.py), embedded
   by :class:`mi_kernel.rag.MiniLM` at several batch sizes; passages/s and word pieces/s
   (real pieces, padding not counted).
2. Query latency at ``--passages`` stored passages: random unit vectors (the latency of a
   cosine search does not depend on what the vectors mean), known_at spread over ten years,
   each query filtered by a random as-of date. The exact NumPy index (the embedded default)
   and Qdrant's local mode (``QdrantClient(location=":memory:")``, the same client API as a
   server); plus a question end to end (embed it with MiniLM, then search) on the NumPy index.
   Chroma: a real server (``chroma run`` on 127.0.0.1, a free port, stopped by PID) through
   :class:`mi_kernel.rag.ChromaStore`, on the same random vectors and on clustered ones (500
   centres plus noise, queries near stored points: the neighbourhood structure embeddings
   have, which an HNSW graph relies on); recall@5 against the exact NumPy index on the same
   queries and as-of dates.
3. Answer: :func:`mi_kernel.rag.answer_question` on the synthetic corpus (embed the question,
   search, embed and rank the sentences of the top passages).

Appends one run's table to benchmarks/rag.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "rag.md"

from mi_kernel.rag import (  # noqa: E402
    ChromaStore,
    MiniLM,
    NumpyStore,
    QdrantStore,
    answer_question,
    index_documents,
    split_passages,
)
from tests.rag.chroma_server import chroma_server  # noqa: E402
from tests.rag.corpus import make_corpus  # noqa: E402

T0 = pd.Timestamp("2015-01-01", tz="UTC")


def embedding(n_docs: int, repeats: int = 3) -> list[str]:
    docs, _ = make_corpus(n_docs, seed=11)
    short = split_passages(docs)["text"].tolist()
    long = [" ".join(short[i : i + 3]) for i in range(0, len(short) - 2, 3)]  # ~3x the pieces
    model = MiniLM()
    model.embed(short[:8])  # load the weights outside the timing
    rows = []
    for name, texts in (("short", short), ("long", long)):
        pieces = model.token_counts(texts)
        for batch in (16, 32, 128):
            rates = []
            for _ in range(repeats):
                t = time.perf_counter()
                MiniLM(batch_size=batch).embed(texts)
                rates.append(len(texts) / (time.perf_counter() - t))
            best, med = max(rates), float(np.median(rates))
            rows.append(
                f"| embed {name} passages, batch {batch} | {len(texts)} passages, "
                f"{pieces.mean():.0f} word pieces each | median {med:.1f} passages/s "
                f"({med * pieces.mean():,.0f} pieces/s), best {best:.1f} of {repeats} |"
            )
    return rows


def _clustered(n: int, rng: np.random.Generator, centres: int = 500) -> np.ndarray:
    c = rng.standard_normal((centres, 384)).astype(np.float32)
    vecs = c[rng.integers(0, centres, n)] + 0.6 * rng.standard_normal((n, 384)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def _random_passages(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    vecs = rng.standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    known = T0 + pd.to_timedelta(rng.integers(0, 10 * 365 * 86400, n), unit="s")
    ids = [f"d{i}" for i in range(n)]
    p = pd.DataFrame(
        {
            "passage_id": [f"{d}:0-100" for d in ids],
            "doc_id": ids,
            "start": 0,
            "end": 100,
            "text": "",
            "tickers": [["X"]] * n,
            "source": "bench",
            "title": "",
            "ref": "",
            "known_at": known,
            "published_at": known,
        }
    )
    return p, vecs


def _latency(store: object, queries: int, rng: np.random.Generator) -> tuple[float, float]:
    times = []
    for _ in range(queries):
        q = rng.standard_normal(384).astype(np.float32)
        q /= np.linalg.norm(q)
        asof = T0 + pd.Timedelta(days=int(rng.integers(30, 3650)))
        t = time.perf_counter()
        store.search(q, asof, 5)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t)
    return float(np.percentile(times, 50) * 1e3), float(np.percentile(times, 95) * 1e3)


def _recall(
    store: object, exact: NumpyStore, v: np.ndarray, queries: int, near: bool, seed: int
) -> tuple[float, float, float]:
    """p50, p95 latency (ms) of ``store`` and its recall@5 against ``exact``, same queries."""
    rng = np.random.default_rng(seed)
    times, found = [], []
    for _ in range(queries):
        q = rng.standard_normal(384).astype(np.float32)
        if near:
            q = v[rng.integers(0, len(v))] + q * (0.5 / np.sqrt(384))  # noise of norm ~0.5
        q /= np.linalg.norm(q)
        asof = T0 + pd.Timedelta(days=int(rng.integers(30, 3650)))
        t = time.perf_counter()
        got = store.search(q, asof, 5)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - t)
        truth = {h.payload["passage_id"] for h in exact.search(q, asof, 5)}
        found.append(len(truth & {h.payload["passage_id"] for h in got}) / max(len(truth), 1))
    p50, p95 = np.percentile(times, 50) * 1e3, np.percentile(times, 95) * 1e3
    return float(p50), float(p95), float(np.mean(found))


def chroma(n: int, queries: int) -> list[str]:
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="mi-chroma-bench-") as folder,
        chroma_server(Path(folder)) as url,
    ):
        for kind in ("random", "clustered"):
            rng = np.random.default_rng(0)
            p, v = _random_passages(n, rng)
            if kind == "clustered":
                v = _clustered(n, rng)
            exact = NumpyStore()
            exact.add(p, v)
            store = ChromaStore(url=url, collection=f"bench_{kind}")
            t = time.perf_counter()
            store.add(p, v)
            add = time.perf_counter() - t
            p50, p95, rec = _recall(store, exact, v, queries, kind == "clustered", seed=1)
            rows.append(
                f"| Chroma server (`chroma run`, HNSW), {n:,} {kind} vectors | add {add:.0f} s "
                f"| query p50 {p50:.1f} ms, p95 {p95:.1f} ms, recall@5 {rec:.3f} vs exact "
                f"({queries} queries) |"
            )
    return rows


def latency(n: int, queries: int) -> list[str]:
    rng = np.random.default_rng(0)
    p, v = _random_passages(n, rng)
    rows = []
    exact = NumpyStore()
    t = time.perf_counter()
    exact.add(p, v)
    add = time.perf_counter() - t
    p50, p95 = _latency(exact, queries, rng)
    rows.append(
        f"| NumPy exact index, {n:,} passages | add {add:.1f} s | query p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms ({queries} queries) |"
    )
    model = MiniLM()
    model.embed(["warm up"])
    times = []
    for i in range(queries // 4):
        t = time.perf_counter()
        [q] = model.embed([f"Which company agreed to acquire Stanmore Mining number {i}?"])
        exact.search(q, T0 + pd.Timedelta(days=2000), 5)
        times.append(time.perf_counter() - t)
    rows.append(
        f"| question end to end (MiniLM + NumPy), {n:,} | | p50 "
        f"{np.percentile(times, 50) * 1e3:.1f} ms, p95 {np.percentile(times, 95) * 1e3:.1f} ms |"
    )
    qdrant = QdrantStore(path=":memory:", collection="bench")
    t = time.perf_counter()
    qdrant.add(p, v)
    add = time.perf_counter() - t
    few = max(5, queries // 10)
    p50, p95 = _latency(qdrant, few, rng)
    rows.append(
        f"| Qdrant local mode (:memory:), {n:,} passages | add {add:.1f} s | query p50 "
        f"{p50:.1f} ms, p95 {p95:.1f} ms ({few} queries) |"
    )
    return rows


def answering(n_docs: int) -> list[str]:
    docs, questions = make_corpus(n_docs, seed=13)
    t = time.perf_counter()
    index = index_documents(docs)
    built = time.perf_counter() - t
    times = []
    for q in questions[:40]:
        t = time.perf_counter()
        answer_question(index, q.text, "2030-01-01")
        times.append(time.perf_counter() - t)
    return [
        f"| answer_question, {index.passages} passages (index built in {built:.1f} s) | "
        f"{len(times)} questions | p50 {np.percentile(times, 50) * 1e3:.0f} ms, "
        f"p95 {np.percentile(times, 95) * 1e3:.0f} ms |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--docs", type=int, default=150)
    ap.add_argument("--only-chroma", action="store_true", help="only the Chroma rows")
    args = ap.parse_args()
    before = os.getloadavg()[0]
    if args.only_chroma:
        rows = chroma(args.passages, args.queries)
    else:
        rows = [
            *embedding(args.docs),
            *latency(args.passages, args.queries),
            *chroma(args.passages, args.queries),
            *answering(140),
        ]
    head = (
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (a shared machine: others' work competes)\n\n"
        "| what | size | result |\n| --- | --- | --- |\n"
    )
    text = head + "\n".join(rows) + "\n"
    print(text)
    with OUT.open("a") as f:
        f.write(text)


if __name__ == "__main__":
    main()
