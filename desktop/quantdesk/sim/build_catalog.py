"""Regenerates ``sim/data/catalog.json`` from the project's fact files.

Run ``python -m quantdesk.sim.build_catalog ../shared`` after the facts change. The JSON is
committed, so nothing at run time needs the fact files. Sizes come from
``registry-sizes.json`` and ``model-architectures.json`` where they are exact bytes; every other
blob is computed at load time from the shape (``sim.tensor_layout``: llama.cpp's tensor types,
plus a header of the real vocabulary's size), and the printed size is kept beside it for a
check. Architectures missing from ``model-architectures.json`` are the models' public
``config.json`` figures, written below with their source.
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
    "lfm": "LFM Open License v1.0\n(abbreviated by the QuantDesk simulator; the full text is "
    "at https://www.liquid.ai/lfm-license)\n",
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

EXTRA_ARCH["lfm2.5-thinking:1.2b"] = {
    "source": "huggingface.co/LiquidAI/LFM2.5-1.2B-Thinking config.json (hidden 2048, "
    "block_ff_dim 12288 auto-adjusted to 8192, 16 layers of which 2,5,8,10,12,14 attend, 32 "
    "heads, 8 KV heads, vocab 65536, conv_L_cache 3, tied); GGUF keys as "
    "convert/convert_lfm2.go writes them (per-layer head_count_kv, 0 = short convolution)",
    "model_info": {
        "general.architecture": "lfm2",
        "general.parameter_count": 1170340608,
        "lfm2.block_count": 16,
        "lfm2.context_length": 128000,
        "lfm2.embedding_length": 2048,
        "lfm2.feed_forward_length": 8192,
        "lfm2.attention.head_count": 32,
        "lfm2.attention.head_count_kv": [0, 0, 8, 0, 0, 8, 0, 0, 8, 0, 8, 0, 8, 0, 8, 0],
        "lfm2.attention.key_length": 64,
        "lfm2.attention.value_length": 64,
        "lfm2.attention.layer_norm_rms_epsilon": 1e-05,
        "lfm2.rope.freq_base": 1000000.0,
        "lfm2.shortconv.l_cache": 3,
        "lfm2.vocab_size": 65536,
    },
}
EXTRA_ARCH["nomic-embed-text:v1.5"] = {
    "source": "huggingface.co/nomic-ai/nomic-embed-text-v1.5 config.json (n_embd 768, 12 "
    "layers, 12 heads, n_inner 3072, vocab 30528, n_positions 2048 as Ollama serves it)",
    "model_info": {
        "general.architecture": "nomic-bert",
        "general.parameter_count": 136731648,
        "nomic-bert.block_count": 12,
        "nomic-bert.context_length": 2048,
        "nomic-bert.embedding_length": 768,
        "nomic-bert.feed_forward_length": 3072,
        "nomic-bert.attention.head_count": 12,
        "nomic-bert.attention.causal": False,
        "nomic-bert.pooling_type": 1,
        "nomic-bert.rope.freq_base": 1000.0,
        "nomic-bert.vocab_size": 30528,
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
        # model-architectures.json gives 2,620,788,260 bytes for the real Q4_K_M blob; llama.cpp's
        # Q4_K_M rules for this shape give 2,497 MB, so Ollama's file carries ~125 MB more in
        # its blocks than the standard mix. The simulator keeps the standard mix (its tensors
        # must add up to its blob) and so reports 2.50 GB here.
        "registry": ("", {}),
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
    {
        "model": "lfm2.5-thinking",
        "size": "1.2b",
        "arch": "lfm2.5-thinking:1.2b",
        "tied": True,
        "kinds": {"instruct": "1.2b-{q}"},
        "quants": ("q4_K_M", "q8_0", "fp16"),
        "aliases": {"latest": "1.2b-q4_K_M", "1.2b": "1.2b-q4_K_M"},
        "license": "lfm",
        "template": CHATML_TEMPLATE,
        "capabilities": ["completion", "tools", "thinking"],
        "params": {"stop": ["<|im_end|>"], "temperature": 0.05, "top_k": 50},
        "registry": ("", {}),
    },
    {
        "model": "nomic-embed-text",
        "size": "v1.5",
        "arch": "nomic-embed-text:v1.5",
        "tied": True,
        "kinds": {"instruct": "v1.5"},
        "quants": ("fp16",),
        "aliases": {"latest": "v1.5"},
        "license": "apache",
        "template": "",
        "capabilities": ["embedding"],
        "params": {"num_ctx": 8192},
        "registry": ("", {}),
    },
]

# Families whose GGUFs carry no <arch>.vocab_size (convert/convert_qwen2.go, convert_gemma2.go,
# convert_gemma3.go write none; llama.cpp neither): the vocabulary is token_embd's shape.
NO_VOCAB_SIZE_KEY = ("qwen2", "qwen3", "gemma2", "gemma3")

# Exact model-blob sizes in model-architectures.json (file_size_bytes of the named build).
ARCH_MODEL_BYTES = {
    ("llama3.1", "8b-instruct-q4_0"): ("llama3.1:8b", 4661211808),
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
        vocab = int(info.get(f"{info['general.architecture']}.vocab_size") or 32000)
        if info["general.architecture"] in NO_VOCAB_SIZE_KEY:
            del info[f"{info['general.architecture']}.vocab_size"]
        model = out.setdefault(fam["model"], {"builds": {}, "tags": {}, "aliases": {}})
        model["builds"][fam["size"]] = {
            "model_info": info,
            "tied_embeddings": fam["tied"],
            "vocab_size": vocab,
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
                arch_bytes = ARCH_MODEL_BYTES.get((fam["model"], tag))
                exact = fam.get("model_bytes", {}).get(tag)
                if exact:
                    entry["model_bytes"] = exact
                    entry["size_source"] = "model-architectures.json file_size_bytes (exact blob)"
                elif arch_bytes:
                    entry["model_bytes"] = arch_bytes[1]
                    entry["size_source"] = (
                        f"model-architectures.json {arch_bytes[0]} file_size_bytes (exact blob)")
                elif reg and "bytes" in reg and kind == "instruct":
                    entry["total_bytes"] = reg["bytes"]
                    entry["size_source"] = f"registry-sizes.json {reg_key!r}: exact bytes"
                else:
                    # The blob is what llama.cpp's quantizer writes for this shape (the plan
                    # in sim.tensor_layout) plus a header of the real vocabulary's size.
                    entry["size_source"] = "computed: llama.cpp tensor types for this shape"
                    if reg and reg.get("size"):
                        entry["printed_size"] = reg["size"]
                        entry["size_source"] += f"; registry-sizes.json {reg_key!r} prints " + (
                            f"{reg['size']}" + (" (third-party)" if reg.get("secondary") else ""))
                if kind != "instruct" and "printed_size" in entry:
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
