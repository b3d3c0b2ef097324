"""``quantdesk fit hf.co/OWNER/REPO --loader transformers --load-in nf4``: the transformers path.

The repository's config.json and safetensors headers (never the weights) give every tensor;
``core.transformers`` sizes them as transformers + bitsandbytes would load them, on the
machine this computer's probes find, or the what-if options (transformers runs here, not in the
daemon). The repository is read from --registry, else the daemon's own (a simulator's), else
the settings', else huggingface.co.
"""

from __future__ import annotations

import argparse
import asyncio

from quantdesk.cli.output import human_bytes, print_json
from quantdesk.cli.planning import stored_settings, what_if_machine
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.hosts import describe_machine, profile_for
from quantdesk.core.ollama import resolve_host
from quantdesk.core.ollama.names import parse_model_name
from quantdesk.core.registry import Endpoints, new_http_client
from quantdesk.core.transformers import TransformersFit, estimate_transformers, read_repo

DEFAULT_CONTEXT = 4096


async def _estimate(args: argparse.Namespace) -> tuple[TransformersFit, str]:
    ref = parse_model_name(args.model)
    if not ref.is_hugging_face:
        raise QuantDeskError("--loader transformers sizes a Hugging Face repository: "
                             "give it as hf.co/OWNER/REPO")
    profile = profile_for(str(resolve_host(getattr(args, "host", None))))
    registry = getattr(args, "registry", None) or (profile.registry if profile else "") or \
        stored_settings().registry.strip() or None
    async with new_http_client() as http:
        repo = await read_repo(http, Endpoints.from_option(registry), ref.namespace, ref.model)
    machine = await what_if_machine(args) or await probe_machine_async()
    fit = estimate_transformers(repo.repository, repo.config, repo.tensors, args.load_in,
                                getattr(args, "num_ctx", None) or DEFAULT_CONTEXT, machine)
    return fit, describe_machine(machine)


def run_transformers(args: argparse.Namespace) -> int:
    fit, machine = asyncio.run(_estimate(args))
    if getattr(args, "json", False):
        data = fit.to_json()
        data["machine"] = {"description": machine}
        print_json(data)
        return 0
    e = fit
    print(f"{fit.repository}  (transformers, load_in {fit.load_in}, context {fit.num_ctx})")
    print(f"  on           {machine}")
    print(f"  verdict      {fit.verdict}: {fit.reason}")
    print(f"  weights      {human_bytes(e.footprint_bytes)} (get_memory_footprint)"
          + (f" + {human_bytes(e.quant_state_bytes)} quantization state"
             if e.quant_state_bytes else ""))
    label = "kept bf16" if fit.quantized_layers else fit.load_in
    for kind, size in sorted(fit.kept_bytes.items()):
        print(f"    {label:<9}  {kind}: {human_bytes(size)}")
    if fit.quantized_layers:
        print(f"  quantized    {fit.quantized_layers} linear layers")
    print(f"  KV cache     {human_bytes(e.kv_cache_bytes)}")
    print(f"  activations  {human_bytes(e.activation_bytes)}")
    print(f"  CUDA context {human_bytes(e.cuda_context_bytes)}")
    print(f"  total        {human_bytes(e.total_bytes)}")
    for note in fit.notes:
        print(f"  {note}")
    return 0
