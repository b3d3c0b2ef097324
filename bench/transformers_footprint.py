"""Our transformers memory estimate against transformers' own ``get_memory_footprint()``.

Runs in a separate environment with torch, transformers, accelerate and bitsandbytes (not the
project's dependencies)::

    python3 -m venv .venv-hf
    .venv-hf/bin/pip install torch==2.13.0 transformers accelerate bitsandbytes safetensors
    .venv-hf/bin/python -m bench.transformers_footprint [--quantized]

Models are built from the real configurations of public checkpoints (figures from their
config.json) without downloading weights: bf16/fp16/fp32 on empty (meta) weights, nf4 and int8
(``--quantized``) from random weights saved to a temporary folder and loaded again through
bitsandbytes, on the CPU. Our estimate reads the same tensor names and shapes a safetensors
header would give. Prints one row per model and load type; writes bench/out/
transformers_footprint.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "desktop"))

from quantdesk.core.machine import Cpu, Gpu, Machine, Ram  # noqa: E402
from quantdesk.core.transformers import Tensor, estimate_transformers  # noqa: E402

OUT = HERE / "out" / "transformers_footprint.md"
GiB = 1 << 30
CARD = Machine((Gpu("nvidia", 0, "NVIDIA GeForce RTX 4090", 24 * GiB, 24 * GiB),),
               Ram(64 * GiB, 64 * GiB), Cpu("bench", 8))

# config.json figures of the public checkpoints (architecture keys only)
CONFIGS: dict[str, dict[str, Any]] = {
    "meta-llama/Llama-3.2-1B-Instruct": {
        "model_type": "llama", "hidden_size": 2048, "intermediate_size": 8192,
        "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8,
        "head_dim": 64, "vocab_size": 128256, "max_position_embeddings": 131072,
        "tie_word_embeddings": True},
    "Qwen/Qwen2.5-0.5B-Instruct": {
        "model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864,
        "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
        "vocab_size": 151936, "max_position_embeddings": 32768, "tie_word_embeddings": True},
    "meta-llama/Llama-3.1-8B-Instruct": {
        "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336,
        "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
        "vocab_size": 128256, "max_position_embeddings": 131072, "tie_word_embeddings": False},
    "mistralai/Mistral-7B-Instruct-v0.3": {
        "model_type": "mistral", "hidden_size": 4096, "intermediate_size": 14336,
        "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
        "vocab_size": 32768, "max_position_embeddings": 32768, "tie_word_embeddings": False},
}
SMALL = ("meta-llama/Llama-3.2-1B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct")


def _config(spec: dict[str, Any]) -> Any:
    from transformers import AutoConfig

    values = {k: v for k, v in spec.items() if k != "model_type"}
    return AutoConfig.for_model(spec["model_type"], **values)


def _tensors(model: Any) -> list[Tensor]:
    """What the checkpoint's safetensors headers list (tied weights once)."""
    seen: set[int] = set()
    out = []
    for name, p in model.named_parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        out.append(Tensor(name, "BF16", tuple(p.shape)))
    return out


def _empty(cfg: Any, dtype: Any) -> Any:
    from accelerate import init_empty_weights
    from transformers import AutoModelForCausalLM

    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(cfg, dtype=dtype)
    model.tie_weights()  # empty weights are not tied by themselves; a loaded checkpoint is
    return model


def _quantized(cfg: Any, load_in: str, folder: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    q = (BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                            bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
         if load_in == "nf4" else BitsAndBytesConfig(load_in_8bit=True))
    return AutoModelForCausalLM.from_pretrained(folder, quantization_config=q, device_map="cpu",
                                                dtype=torch.bfloat16)


def _state_bytes(model: Any) -> int:
    """Bytes of bitsandbytes' quantization state (absmax, nested absmax, codes, offsets; int8
    row scales), each tensor counted once (the 8-bit map is shared)."""
    seen: dict[int, int] = {}

    def add(t: Any) -> None:
        if t is not None and hasattr(t, "data_ptr"):
            seen[t.data_ptr()] = t.nelement() * t.element_size()

    for module in model.modules():
        weight = getattr(module, "weight", None)
        qs = getattr(weight, "quant_state", None)
        if qs is not None:
            add(qs.absmax)
            add(qs.code)
            if getattr(qs, "nested", False):
                add(qs.offset)
                add(qs.state2.absmax)
                add(qs.state2.code)
        add(getattr(weight, "SCB", None))
    return sum(seen.values())


def main(argv: list[str] | None = None) -> int:
    import torch
    import transformers

    parser = argparse.ArgumentParser()
    parser.add_argument("--quantized", action="store_true",
                        help="also nf4/int8 of the small models (random weights, minutes)")
    args = parser.parse_args(argv)
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
    rows: list[tuple[str, str, int, int]] = []
    states: list[tuple[str, str, int, int]] = []
    for repo, spec in CONFIGS.items():
        cfg = _config(spec)
        tensors = _tensors(_empty(cfg, torch.bfloat16))
        for load_in, dtype in dtypes.items():
            theirs = _empty(cfg, dtype).get_memory_footprint()
            ours = estimate_transformers(repo, spec, tensors, load_in, 4096, CARD)  # type: ignore[arg-type]
            rows.append((repo, load_in, ours.footprint_bytes, theirs))
            print(f"{repo:38} {load_in:5} ours {ours.footprint_bytes:>14,} "
                  f"transformers {theirs:>14,}", flush=True)
        if not args.quantized or repo not in SMALL:
            continue
        with tempfile.TemporaryDirectory() as folder:
            from transformers import AutoModelForCausalLM

            AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16).save_pretrained(folder)
            for load_in in ("nf4", "int8"):
                model = _quantized(cfg, load_in, folder)
                theirs = model.get_memory_footprint()
                ours = estimate_transformers(repo, spec, tensors, load_in, 4096, CARD)  # type: ignore[arg-type]
                rows.append((repo, load_in, ours.footprint_bytes, theirs))
                states.append((repo, load_in, ours.quant_state_bytes, _state_bytes(model)))
                print(f"{repo:38} {load_in:5} ours {ours.footprint_bytes:>14,} "
                      f"transformers {theirs:>14,}", flush=True)
    lines = [f"torch {torch.__version__}, transformers {transformers.__version__}", "",
             "| model | load | ours (bytes) | get_memory_footprint() | difference |",
             "|---|---|---|---|---|"]
    worst = 0.0
    for repo, load_in, ours_b, theirs_b in rows:
        diff = (ours_b - theirs_b) / theirs_b
        worst = max(worst, abs(diff))
        lines.append(f"| {repo} | {load_in} | {ours_b:,} | {theirs_b:,} | {diff:+.4%} |")
    lines.append("")
    lines.append(f"Largest difference: {worst:.4%} over {len(rows)} model/load pairs.")
    if states:
        lines += ["", "Quantization state (not in get_memory_footprint()), against the "
                  "bitsandbytes tensors of the loaded model:", "",
                  "| model | load | ours (bytes) | bitsandbytes (bytes) | difference |",
                  "|---|---|---|---|---|"]
        for repo, load_in, ours_b, theirs_b in states:
            lines.append(f"| {repo} | {load_in} | {ours_b:,} | {theirs_b:,} | "
                         f"{(ours_b - theirs_b) / theirs_b:+.2%} |")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
