"""Simulated Hugging Face safetensors repositories (for ``fit --loader transformers``).

A few catalog builds also exist as the original weights, the way their publishers upload them:
``quantdesk-sim/<Model>`` with a ``config.json`` in transformers' terms (written from the
build's GGUF shape), a ``model.safetensors.index.json`` and bf16 shards whose headers are real
safetensors headers (8-byte length, JSON of every tensor's dtype, shape and offsets) followed by
zeros up to the shard's size. Tensor names and shapes follow transformers' Llama and Qwen2
modules (``model.layers.N.self_attn.q_proj.weight`` …; Qwen2's q/k/v projections have biases).
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from quantdesk.sim.catalog import Catalog

OWNER = "quantdesk-sim"
# repo -> (catalog build, architectures entry, shard count)
REPOS: dict[str, tuple[str, str, int]] = {
    "llama-3.2-1b-instruct": ("llama3.2:1b-instruct-fp16", "LlamaForCausalLM", 1),
    "llama-3.1-8b-instruct": ("llama3.1:8b-instruct-fp16", "LlamaForCausalLM", 4),
    "qwen2.5-0.5b-instruct": ("qwen2.5:0.5b-instruct-fp16", "Qwen2ForCausalLM", 1),
}
DISPLAY = {"llama-3.2-1b-instruct": "Llama-3.2-1B-Instruct",
           "llama-3.1-8b-instruct": "Llama-3.1-8B-Instruct",
           "qwen2.5-0.5b-instruct": "Qwen2.5-0.5B-Instruct"}


@dataclass(frozen=True, slots=True)
class RepoFile:
    path: str
    content: bytes  # the whole file (small files) or the header of a shard
    size: int


def _config(info: dict[str, Any], arch_name: str, tied: bool) -> dict[str, Any]:
    a = info["general.architecture"]
    heads = info[f"{a}.attention.head_count"]
    emb = info[f"{a}.embedding_length"]
    return {
        "architectures": [arch_name], "model_type": a if a != "qwen2" else "qwen2",
        "hidden_size": emb, "intermediate_size": info[f"{a}.feed_forward_length"],
        "num_hidden_layers": info[f"{a}.block_count"], "num_attention_heads": heads,
        "num_key_value_heads": info[f"{a}.attention.head_count_kv"],
        "head_dim": info.get(f"{a}.attention.key_length") or emb // heads,
        "vocab_size": info[f"{a}.vocab_size"],
        "max_position_embeddings": info[f"{a}.context_length"],
        "tie_word_embeddings": tied, "torch_dtype": "bfloat16", "rms_norm_eps": 1e-06,
        "hidden_act": "silu", "attention_bias": a == "qwen2",
    }


def _tensors(cfg: dict[str, Any]) -> list[tuple[str, tuple[int, ...]]]:
    e, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    d = cfg["head_dim"]
    q, kv = cfg["num_attention_heads"] * d, cfg["num_key_value_heads"] * d
    out: list[tuple[str, tuple[int, ...]]] = [("model.embed_tokens.weight", (v, e))]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out += [(p + "input_layernorm.weight", (e,)),
                (p + "self_attn.q_proj.weight", (q, e)), (p + "self_attn.k_proj.weight", (kv, e)),
                (p + "self_attn.v_proj.weight", (kv, e)), (p + "self_attn.o_proj.weight", (e, q)),
                (p + "post_attention_layernorm.weight", (e,)),
                (p + "mlp.gate_proj.weight", (f, e)), (p + "mlp.up_proj.weight", (f, e)),
                (p + "mlp.down_proj.weight", (e, f))]
        if cfg["attention_bias"]:
            out += [(p + "self_attn.q_proj.bias", (q,)), (p + "self_attn.k_proj.bias", (kv,)),
                    (p + "self_attn.v_proj.bias", (kv,))]
    out.append(("model.norm.weight", (e,)))
    if not cfg["tie_word_embeddings"]:
        out.append(("lm_head.weight", (v, e)))
    return out


def _shard(tensors: list[tuple[str, tuple[int, ...]]]) -> tuple[bytes, int]:
    """A safetensors header for bf16 ``tensors``, and the whole file's size."""
    doc: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    pos = 0
    for name, shape in tensors:
        n = 2
        for dim in shape:
            n *= dim
        doc[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [pos, pos + n]}
        pos += n
    header = json.dumps(doc, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header, 8 + len(header) + pos


@lru_cache(maxsize=8)
def _files(cat: Catalog, repo: str) -> dict[str, RepoFile]:
    build, arch_name, shards = REPOS[repo]
    v = cat.resolve(build)
    assert v is not None, build
    cfg = _config(v.model_info, arch_name, v.tied_embeddings)
    tensors = _tensors(cfg)
    per = -(-len(tensors) // shards)
    files: dict[str, RepoFile] = {}
    weight_map: dict[str, str] = {}
    total = 0
    for i in range(shards):
        part = tensors[i * per:(i + 1) * per]
        name = "model.safetensors" if shards == 1 else \
            f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        header, size = _shard(part)
        files[name] = RepoFile(name, header, size)
        weight_map.update({t: name for t, _ in part})
        total += size - len(header)
    files["config.json"] = RepoFile("config.json", json.dumps(cfg, indent=2).encode(), 0)
    if shards > 1:
        index = json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}).encode()
        files["model.safetensors.index.json"] = RepoFile("model.safetensors.index.json",
                                                         index, 0)
    return {k: RepoFile(f.path, f.content, f.size or len(f.content)) for k, f in files.items()}


def find_repo(cat: Catalog, owner: str, repo: str) -> dict[str, RepoFile] | None:
    if owner.lower() != OWNER or repo.lower() not in REPOS:
        return None
    return _files(cat, repo.lower())


def tree_entries(files: dict[str, RepoFile]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for f in files.values():
        entry: dict[str, object] = {"type": "file", "oid": "e" * 40, "size": f.size,
                                    "path": f.path}
        if f.path.endswith(".safetensors"):
            entry["lfs"] = {"oid": hashlib.sha256(f.content).hexdigest(), "size": f.size,
                            "pointerSize": 135}
        out.append(entry)
    return out
