"""Regenerates ``sim/data/catalog.json`` from the project's fact files.

Run ``python -m quantdesk.sim.build_catalog ../shared`` after the facts change. The JSON is
committed, so nothing at run time needs the fact files. Sizes come from
``registry-sizes.json`` (decimal GB as printed, or exact bytes where known) and architectures
from ``model-architectures.json``; architectures missing there are the models' public
``config.json`` figures, written below with their source. A size nobody published is
estimated as ``parameter_count × file_bpw / 8`` and the entry says so in ``size_source``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from quantdesk.core.quant import parse_quant

LADDER = (
    "q2_K",
    "q3_K_S",
    "q3_K_M",
    "q3_K_L",
    "q4_0",
    "q4_1",
    "q4_K_S",
    "q4_K_M",
    "q5_0",
    "q5_1",
    "q5_K_S",
    "q5_K_M",
    "q6_K",
    "q8_0",
    "fp16",
)

LLAMA3_TEMPLATE = (
    "{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>"
    "{{- end }}\n{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n"
    "{{ .Content }}<|eot_id|>{{ end }}<|start_header_id|>assistant<|end_header_id|>\n\n"
)
CHATML_TEMPLATE = (
    "{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n"
)
MISTRAL_TEMPLATE = (
    '{{- range .Messages }}{{- if eq .Role "user" }}[INST] {{ .Content }}[/INST]'
    '{{- else if eq .Role "assistant" }} {{ .Content }}</s>{{ end }}{{ end }}'
)
GEMMA_TEMPLATE = (
    '{{- range .Messages }}<start_of_turn>{{ if eq .Role "assistant" }}model'
    "{{ else }}user{{ end }}\n{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n"
)
RAW_TEMPLATE = "{{ .Prompt }}"

# A chat format's prompt template and the stop words its Modelfile sets, shared by every
# family below that speaks it.
LLAMA3_CHAT: dict[str, Any] = {
    "template": LLAMA3_TEMPLATE,
    "params": {"stop": ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]},
}
CHATML_CHAT: dict[str, Any] = {
    "template": CHATML_TEMPLATE,
    "params": {"stop": ["<|im_start|>", "<|im_end|>"]},
}

LICENSES = {
    "llama3.1": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: "
    "July 23, 2024\n(abbreviated by the QuantDesk simulator; the full text is at "
    "https://llama.meta.com/llama3_1/license)\n",
    "llama3.2": "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nLlama 3.2 Version Release Date: "
    "September 25, 2024\n(abbreviated by the QuantDesk simulator; the full text is "
    "at https://www.llama.com/llama3_2/license)\n",
    "apache": "Apache License\nVersion 2.0, January 2004\nhttp://www.apache.org/licenses/\n"
    "(abbreviated by the QuantDesk simulator)\n",
    "gemma": "Gemma Terms of Use\nLast modified: February 21, 2024\n(abbreviated by the "
    "QuantDesk simulator; the full text is at https://ai.google.dev/gemma/terms)\n",
    "mit": "MIT License\nCopyright (c) 2023 DeepSeek\n(abbreviated by the QuantDesk simulator)\n",
}

# Architectures the fact file lacks: public config.json figures of the named repositories.
EXTRA_ARCH: dict[str, dict[str, Any]] = {
    "llama3.2:1b": {
        "source": "huggingface.co/meta-llama/Llama-3.2-1B-Instruct config.json (hidden 2048, "
        "intermediate 8192, 16 layers, 32 heads, 8 KV heads, head_dim 64, vocab "
        "128256, tied embeddings)",
        "model_info": {
            "general.architecture": "llama",
            "general.parameter_count": 1235814400,
            "llama.block_count": 16,
            "llama.context_length": 131072,
            "llama.embedding_length": 2048,
            "llama.feed_forward_length": 8192,
            "llama.attention.head_count": 32,
            "llama.attention.head_count_kv": 8,
            "llama.attention.key_length": 64,
            "llama.attention.value_length": 64,
            "llama.rope.dimension_count": 64,
            "llama.vocab_size": 128256,
        },
    },
    "qwen2.5:0.5b": {
        "source": "huggingface.co/Qwen/Qwen2.5-0.5B-Instruct config.json (hidden 896, "
        "intermediate 4864, 24 layers, 14 heads, 2 KV heads, vocab 151936, tied)",
        "model_info": {
            "general.architecture": "qwen2",
            "general.parameter_count": 494032768,
            "qwen2.block_count": 24,
            "qwen2.context_length": 32768,
            "qwen2.embedding_length": 896,
            "qwen2.feed_forward_length": 4864,
            "qwen2.attention.head_count": 14,
            "qwen2.attention.head_count_kv": 2,
            "qwen2.attention.key_length": 64,
            "qwen2.attention.value_length": 64,
            "qwen2.vocab_size": 151936,
        },
    },
    "qwen2.5:7b": {
        "source": "huggingface.co/Qwen/Qwen2.5-7B-Instruct config.json (hidden 3584, "
        "intermediate 18944, 28 layers, 28 heads, 4 KV heads, vocab 152064, untied)",
        "model_info": {
            "general.architecture": "qwen2",
            "general.parameter_count": 7615616512,
            "qwen2.block_count": 28,
            "qwen2.context_length": 32768,
            "qwen2.embedding_length": 3584,
            "qwen2.feed_forward_length": 18944,
            "qwen2.attention.head_count": 28,
            "qwen2.attention.head_count_kv": 4,
            "qwen2.attention.key_length": 128,
            "qwen2.attention.value_length": 128,
            "qwen2.vocab_size": 152064,
        },
    },
    "gemma2:9b": {
        "source": "huggingface.co/google/gemma-2-9b-it config.json (hidden 3584, intermediate "
        "14336, 42 layers, 16 heads, 8 KV heads, head_dim 256, vocab 256000, "
        "sliding_window 4096, tied)",
        "model_info": {
            "general.architecture": "gemma2",
            "general.parameter_count": 9241705984,
            "gemma2.block_count": 42,
            "gemma2.context_length": 8192,
            "gemma2.embedding_length": 3584,
            "gemma2.feed_forward_length": 14336,
            "gemma2.attention.head_count": 16,
            "gemma2.attention.head_count_kv": 8,
            "gemma2.attention.key_length": 256,
            "gemma2.attention.value_length": 256,
            "gemma2.attention.sliding_window": 4096,
            "gemma2.attn_logit_softcapping": 50.0,
            "gemma2.final_logit_softcapping": 30.0,
            "gemma2.vocab_size": 256000,
        },
    },
    "deepseek-r1:7b": {
        "source": "huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B config.json (hidden "
        "3584, intermediate 18944, 28 layers, 28 heads, 4 KV heads, vocab 152064, "
        "max_position 131072)",
        "model_info": {
            "general.architecture": "qwen2",
            "general.parameter_count": 7615616512,
            "qwen2.block_count": 28,
            "qwen2.context_length": 131072,
            "qwen2.embedding_length": 3584,
            "qwen2.feed_forward_length": 18944,
            "qwen2.attention.head_count": 28,
            "qwen2.attention.head_count_kv": 4,
            "qwen2.attention.key_length": 128,
            "qwen2.attention.value_length": 128,
            "qwen2.vocab_size": 152064,
        },
    },
}

# model -> (size label, tag pattern, variant kinds, arch key, tied, aliases, family settings)
FAMILIES: list[dict[str, Any]] = [
    {
        "model": "llama3.1",
        "size": "8b",
        "arch": "llama3.1:8b",
        "tied": False,
        "kinds": {"instruct": "8b-instruct-{q}", "text": "8b-text-{q}"},
        "aliases": {"latest": "8b-instruct-q4_K_M", "8b": "8b-instruct-q4_K_M"},
        "license": "llama3.1",
        **LLAMA3_CHAT,
        "capabilities": ["completion", "tools"],
        "registry": ("llama3.1:8b", {"8b-instruct-{q}": "8b-instruct-{q}"}),
    },
    {
        "model": "llama3.2",
        "size": "3b",
        "arch": "llama3.2:3b",
        "tied": True,
        "kinds": {"instruct": "3b-instruct-{q}", "text": "3b-text-{q}"},
        "aliases": {"latest": "3b-instruct-q4_K_M", "3b": "3b-instruct-q4_K_M"},
        "license": "llama3.2",
        **LLAMA3_CHAT,
        "capabilities": ["completion", "tools"],
        "registry": (
            "llama3.2",
            {"3b-instruct-q4_K_M": "3b / latest (q4_K_M)", "3b-instruct-q8_0": "3b-instruct-q8_0"},
        ),
    },
    {
        "model": "llama3.2",
        "size": "1b",
        "arch": "llama3.2:1b",
        "tied": True,
        "kinds": {"instruct": "1b-instruct-{q}", "text": "1b-text-{q}"},
        # llama3.2:1b's default build is Q8_0 (1.3 GB = 1.24B params x 8.5 bits).
        "aliases": {"1b": "1b-instruct-q8_0"},
        "license": "llama3.2",
        **LLAMA3_CHAT,
        "capabilities": ["completion", "tools"],
        "registry": ("llama3.2", {"1b-instruct-q8_0": "1b"}),
    },
    {
        "model": "qwen2.5",
        "size": "7b",
        "arch": "qwen2.5:7b",
        "tied": False,
        "kinds": {"instruct": "7b-instruct-{q}"},
        "aliases": {"latest": "7b-instruct-q4_K_M", "7b": "7b-instruct-q4_K_M"},
        "license": "apache",
        **CHATML_CHAT,
        "capabilities": ["completion", "tools"],
        "registry": (
            "qwen2.5",
            {
                "7b-instruct-q4_K_M": "7b / latest (q4_K_M)",
                "7b-instruct-q8_0": "7b-instruct-q8_0",
                "7b-instruct-fp16": "7b-instruct-fp16",
            },
        ),
    },
    {
        "model": "qwen2.5",
        "size": "0.5b",
        "arch": "qwen2.5:0.5b",
        "tied": True,
        "kinds": {"instruct": "0.5b-instruct-{q}"},
        "aliases": {"0.5b": "0.5b-instruct-q4_K_M"},
        "license": "apache",
        **CHATML_CHAT,
        "capabilities": ["completion", "tools"],
        "registry": ("qwen2.5", {"0.5b-instruct-q4_K_M": "0.5b (q4_K_M)"}),
    },
    {
        "model": "mistral",
        "size": "7b",
        "arch": "mistral:latest",
        "tied": False,
        "kinds": {"instruct": "7b-instruct-v0.3-{q}"},
        "aliases": {"latest": "7b-instruct-v0.3-q4_K_M", "7b": "7b-instruct-v0.3-q4_K_M"},
        "license": "apache",
        "template": MISTRAL_TEMPLATE,
        "capabilities": ["completion", "tools"],
        "params": {"stop": ["[INST]", "[/INST]"]},
        "registry": (
            "mistral:7b",
            {"7b-instruct-v0.3-q4_K_M": "7b / 7b-instruct-v0.3-q4_K_M (current default)"},
        ),
        "model_bytes": {"7b-instruct-v0.3-q4_0": 4112531456},
    },
    {
        "model": "gemma2",
        "size": "9b",
        "arch": "gemma2:9b",
        "tied": True,
        "kinds": {"instruct": "9b-instruct-{q}"},
        # gemma2's default build is Q4_0 (registry-sizes.json: "9b / latest (q4_0 era)").
        "aliases": {"latest": "9b-instruct-q4_0", "9b": "9b-instruct-q4_0"},
        "license": "gemma",
        "template": GEMMA_TEMPLATE,
        "capabilities": ["completion"],
        "params": {"stop": ["<start_of_turn>", "<end_of_turn>"]},
        "registry": (
            "gemma2",
            {"9b-instruct-q4_0": "9b / latest (q4_0 era)", "9b-instruct-q8_0": "9b-instruct-q8_0"},
        ),
    },
    {
        "model": "qwen3",
        "size": "4b",
        "arch": "qwen3:4b",
        "tied": True,
        "kinds": {"instruct": "4b-{q}"},
        "quants": ("q4_K_M", "q8_0", "fp16"),
        "aliases": {"latest": "4b-q4_K_M", "4b": "4b-q4_K_M"},
        "license": "apache",
        "template": CHATML_TEMPLATE,
        "capabilities": ["completion", "tools", "thinking"],
        "params": {
            "repeat_penalty": 1,
            "stop": ["<|im_start|>", "<|im_end|>"],
            "temperature": 0.6,
            "top_k": 20,
            "top_p": 0.95,
        },
        "registry": ("", {}),
        "model_bytes": {"4b-q4_K_M": 2620788260},
    },
    {
        "model": "deepseek-r1",
        "size": "7b",
        "arch": "deepseek-r1:7b",
        "tied": False,
        "kinds": {"instruct": "7b-qwen-distill-{q}"},
        "quants": ("q4_K_M", "q8_0", "fp16"),
        "aliases": {"latest": "7b-qwen-distill-q4_K_M", "7b": "7b-qwen-distill-q4_K_M"},
        "license": "mit",
        "template": CHATML_TEMPLATE,
        "capabilities": ["completion", "thinking"],
        "params": {"stop": ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"]},
        "registry": (
            "deepseek-r1",
            {"7b-qwen-distill-q4_K_M": "7b / latest (qwen2 distill, q4_K_M)"},
        ),
    },
]

# Exact model-blob sizes in model-architectures.json (file_size_bytes of the named build).
ARCH_MODEL_BYTES = {
    ("llama3.1", "8b-instruct-q4_0"): ("llama3.1:8b", 4661211808),
    ("llama3.2", "3b-instruct-fp16"): ("llama3.2:3b-instruct-fp16", 6425849856),
}


def _decimal_bytes(text: str) -> int:
    m = re.match(r"~?\s*([\d.]+)\s*(GB|MB)", text.replace(" ", ""))
    if not m:
        raise ValueError(f"unreadable size {text!r}")
    return round(float(m.group(1)) * (1e9 if m.group(2) == "GB" else 1e6))


def _parameter_size(count: int) -> str:
    return f"{count / 1e9:.1f}B" if count >= 1e9 else f"{count / 1e6:.2f}M"


def build(shared: Path) -> dict[str, Any]:
    sizes = json.loads((shared / "registry-sizes.json").read_text())["models"]
    archs = json.loads((shared / "model-architectures.json").read_text())["models"]
    out: dict[str, Any] = {}
    for fam in FAMILIES:
        arch = archs.get(fam["arch"]) or EXTRA_ARCH[fam["arch"]]
        info = dict(arch["model_info"])
        model = out.setdefault(fam["model"], {"builds": {}, "tags": {}, "aliases": {}})
        model["builds"][fam["size"]] = {
            "model_info": info,
            "tied_embeddings": fam["tied"],
            "parameter_size": _parameter_size(info["general.parameter_count"]),
            "arch_source": arch["source"],
            "license": LICENSES[fam["license"]],
            "template": fam["template"],
            "capabilities": fam["capabilities"],
            "params": fam["params"],
        }
        reg_model, reg_map = fam["registry"]
        reg_tags = sizes.get(reg_model, {}).get("tags", {})
        for kind, pattern in fam["kinds"].items():
            for q in fam.get("quants", LADDER):
                tag = pattern.format(q=q)
                level = parse_quant(q)
                assert level is not None, q
                entry: dict[str, Any] = {"build": fam["size"], "kind": kind, "quant": level.name}
                instruct_tag = fam["kinds"]["instruct"].format(q=q)
                reg_key = reg_map.get(instruct_tag) or (
                    reg_map.get("8b-instruct-{q}", "").format(q=q) or None
                )
                reg = reg_tags.get(reg_key) if reg_key else None
                exact = fam.get("model_bytes", {}).get(tag)
                arch_bytes = ARCH_MODEL_BYTES.get((fam["model"], tag))
                if arch_bytes:
                    entry["model_bytes"] = arch_bytes[1]
                    entry["size_source"] = (
                        f"model-architectures.json {arch_bytes[0]} "
                        "file_size_bytes (exact model blob)"
                    )
                elif exact:
                    entry["model_bytes"] = exact
                    entry["size_source"] = "model-architectures.json file_size_bytes (exact)"
                elif reg and "bytes" in reg:
                    entry["total_bytes"] = reg["bytes"]
                    entry["size_source"] = f"registry-sizes.json {reg_key!r}: exact bytes"
                elif reg and reg.get("size"):
                    entry["total_bytes"] = _decimal_bytes(reg["size"])
                    entry["size_source"] = (
                        f"registry-sizes.json {reg_key!r}: {reg['size']} as "
                        "printed (decimal, rounded)"
                    )
                    if reg.get("secondary"):
                        entry["size_source"] += "; third-party figure"
                else:
                    entry["model_bytes"] = round(
                        info["general.parameter_count"] * level.file_bpw / 8
                    )
                    entry["size_source"] = "estimated: parameter_count x file_bpw / 8"
                if kind != "instruct" and "estimated" not in entry["size_source"]:
                    entry["size_source"] += f" (of the same-size build {instruct_tag})"
                if reg and reg.get("digest"):
                    entry["registry_digest_prefix"] = reg["digest"]
                model["tags"][tag] = entry
        model["aliases"].update(fam["aliases"])
    return {
        "about": "Simulated Ollama library: real tags, sizes and architectures. Generated "
        "by quantdesk.sim.build_catalog from ../shared facts; do not edit.",
        "models": out,
    }


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared")
    target = Path(__file__).with_name("data") / "catalog.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(build(shared), indent=1, ensure_ascii=False) + "\n")
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
