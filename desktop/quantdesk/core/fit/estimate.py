"""The fit estimate: breakdown, placement, verdict and the largest context that stays on the GPU.

Everything context-independent (layer weights, the KV plan, devices) is prepared once, so each
evaluation at another context is a few list operations; ``max_gpu_ctx`` is a binary search
over contexts in steps of 256.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from quantdesk.core.architecture import Architecture
from quantdesk.core.fit import flash as fa
from quantdesk.core.fit import graph as graphs
from quantdesk.core.fit import rules
from quantdesk.core.fit.explain import verdict_and_reason
from quantdesk.core.fit.kv import KvLayer, kv_plan, layer_bytes
from quantdesk.core.fit.layers import LayerWeights, TensorSpec, from_shape, from_tensors
from quantdesk.core.fit.layout import (
    SERVER_FIT_TARGET,
    Device,
    Layout,
    LayoutInput,
    measured_layout,
    static_layout,
)
from quantdesk.core.fit.result import (
    Estimate,
    FitOptions,
    FitResult,
    GpuShare,
    Placement,
)
from quantdesk.core.machine import Gpu, Machine
from quantdesk.core.quant import QuantLevel, parse_quant

CTX_STEP = 256


@dataclass(slots=True)
class _Prepared:
    arch: Architecture
    weights: LayerWeights
    plan: tuple[KvLayer, ...]
    era: rules.Era
    version: rules.Version
    groups: list[list[Device]]  # one list per GPU library, largest free first
    names: dict[int, str]
    flash: bool
    batch: int
    overhead: int
    projector: int

    @property
    def total_layers(self) -> int:
        return self.arch.block_count + 1

    def inputs(self, num_ctx: int, parallel: int, *, metal: bool) -> LayoutInput:
        kv = layer_bytes(self.plan, num_ctx, parallel, self.batch)
        ctx_total = num_ctx * parallel
        if self.era == "server":
            full = partial = graphs.server_graph(self.arch, ctx_total, self.batch, flash=self.flash)
        else:
            full, partial = graphs.static_graph(
                self.arch, ctx_total, self.batch, sum(kv), flash=self.flash, parallel=parallel
            )
            if metal:
                partial = full
        return LayoutInput(
            blocks=list(self.weights.blocks),
            kv=kv,
            output=self.weights.output,
            token_embd=self.weights.token_embd,
            projector=self.projector,
            graph_full=full,
            graph_partial=partial,
            overhead=self.overhead,
            count_embeddings=self.era == "measured" and rules.ollama_engine(self.arch.arch),
            largest_layer_buffer=self.version[:3] == (0, 7, 0),
        )

    def layout(self, num_ctx: int, parallel: int) -> tuple[Layout, list[Device]]:
        """The layout the daemon would choose, and the devices it considered."""
        if not self.groups:
            return self._cpu_only(num_ctx, parallel), []
        best: tuple[Layout, list[Device]] | None = None
        for group in self.groups:
            inp = self.inputs(num_ctx, parallel, metal=group[0].metal)
            if self.era != "server":
                # the scheduler first looks for one GPU that holds everything
                for dev in group:
                    lay = self._run(inp, [dev])
                    if lay.gpu_layers == self.total_layers:
                        return lay, [dev]
            if len(group) > 1 or self.era == "server":
                lay = self._run(inp, group)
            if best is None or lay.gpu_layers > best[0].gpu_layers:
                best = (lay, group)
        assert best is not None
        return best

    def _run(self, inp: LayoutInput, devices: list[Device]) -> Layout:
        if self.era == "static":
            return static_layout(inp, devices)
        if self.era == "measured":
            # the llama engine pre-subtracts one layer (blk.0 + kv[0]) from every GPU
            llama_engine = not rules.ollama_engine(self.arch.arch)
            return measured_layout(inp, devices, buffer_layer=llama_engine)
        lay = measured_layout(
            inp, devices, buffer_layer=False, spread=True, reserve=SERVER_FIT_TARGET
        )
        if lay.gpu_layers < self.total_layers:
            # llama.cpp reports CPU buffers too once something stays there
            cpu_compute = 4 * self.batch * (self.arch.embedding_length + self.arch.vocab_size)
            lay.size += inp.token_embd + cpu_compute
            lay.cpu_bytes += inp.token_embd + cpu_compute
        return lay

    def _cpu_only(self, num_ctx: int, parallel: int) -> Layout:
        inp = self.inputs(num_ctx, parallel, metal=False)
        if self.era == "static":
            return static_layout(inp, [Device(-1, "CPU", 1 << 62, 0)], cpu_only=True)
        weights = sum(inp.blocks) + inp.output + inp.token_embd
        kv = sum(inp.kv)
        size = weights + kv + inp.graph_full
        return Layout([], [], 0, size, size, inp.graph_full, 0, weights, kv)


def _devices(machine: Machine, version: rules.Version) -> tuple[list[list[Device]], dict[int, str]]:
    by_vendor: dict[str, list[Gpu]] = {}
    for gpu in machine.usable_gpus:
        by_vendor.setdefault(gpu.vendor, []).append(gpu)
    groups: list[list[Device]] = []
    for vendor, gpus in by_vendor.items():
        metal = vendor == "apple"
        devs = []
        for g in gpus:
            # before 0.12 Ollama never refreshed Metal's free memory: free = working-set cap
            free = g.total_bytes if metal and version < (0, 12, 0) else g.free_bytes
            devs.append(Device(g.index, g.name, free, rules.minimum_memory(vendor), metal))
        # integrated GPUs last, otherwise largest free memory first
        unified = {g.index for g in gpus if g.unified and not metal}
        devs.sort(key=lambda d: (d.index in unified, -d.free))
        groups.append(devs)
    groups.sort(key=lambda grp: -sum(d.free for d in grp))
    return groups, {g.index: g.name for g in machine.gpus}


def estimate_fit(
    arch: Architecture,
    machine: Machine,
    options: FitOptions | None = None,
    *,
    weights: LayerWeights | None = None,
    tensors: Iterable[TensorSpec] | None = None,
    weight_bytes: int | None = None,
    quant: str | QuantLevel | None = None,
    model: str = "",
) -> FitResult:
    """Predicts how Ollama (at ``options.ollama_version``) would load this model here.

    Layer sizes come from ``weights``, else ``tensors`` (exact), else the shape and quant mix
    scaled to ``weight_bytes`` (the registry's model-layer size).
    """
    opts = options or FitOptions()
    level = parse_quant(quant) if isinstance(quant, str) else quant
    if weights is None:
        weights = (
            from_tensors(tensors, arch.block_count)
            if tensors is not None
            else from_shape(arch, level, weight_bytes)
        )
    version = rules.parse_version(opts.ollama_version)
    era = rules.era_for(version, arch.arch)
    groups, names = _devices(machine, version)
    state = fa.resolve(fa.as_setting(opts.flash_attention), opts.kv_cache_type, version, arch,
                       machine.usable_gpus)
    flash, kv_type = state.enabled, state.kv_used
    prep = _Prepared(
        arch=arch,
        weights=weights,
        plan=kv_plan(arch, kv_type, static=era == "static"),
        era=era,
        version=version,
        groups=groups,
        names=names,
        flash=flash,
        batch=opts.num_batch,
        overhead=opts.gpu_overhead,
        projector=weights.projector + graphs.vision_graph(arch) if weights.projector else 0,
    )
    num_ctx = opts.num_ctx or rules.default_num_ctx(
        version, arch.arch, arch.context_length, machine.total_vram_bytes, opts.gpu_overhead
    )
    tries = [opts.num_parallel] if opts.num_parallel else [rules.default_parallel(version), 1]
    for parallel in dict.fromkeys(tries):
        lay, devs = prep.layout(num_ctx, parallel)
        if lay.gpu_layers == prep.total_layers:
            break
    if devs and devs[0].metal and lay.vram > machine.ram.total_bytes:
        # Ollama refuses a Metal load larger than physical memory and runs it on the CPU
        prep.groups = []
        lay, devs = prep.layout(num_ctx, parallel)
    verdict, reason = verdict_and_reason(machine, lay, devs, prep.total_layers, prep.names)
    return FitResult(
        model=model,
        quant=level.name if level else "",
        num_ctx=num_ctx,
        num_parallel=parallel,
        kv_cache_type=kv_type,
        flash_attention=flash,
        ollama_version=".".join(map(str, version)),
        era=era,
        estimate=Estimate(lay.weights, lay.kv, lay.graph, lay.reserved, lay.size),
        placement=Placement(
            gpu_layers=lay.gpu_layers,
            total_layers=prep.total_layers,
            per_gpu=tuple(
                GpuShare(d.index, c, b)
                for d, c, b in zip(devs, lay.layers, lay.device_bytes, strict=False)
                if c
            ),
            cpu_bytes=lay.cpu_bytes,
        ),
        verdict=verdict,
        max_gpu_ctx=max_gpu_ctx(prep, parallel),
        reason=reason,
        ps_size=lay.size,
        ps_size_vram=lay.vram,
        flash_note=state.note,
    )


def max_gpu_ctx(prep: _Prepared, parallel: int) -> int:
    """Largest context (a multiple of 256, at most the trained one) that runs fully on the GPU."""
    if not prep.groups:
        return 0
    trained = prep.arch.context_length

    def fits(steps: int) -> bool:
        ctx = min(steps * CTX_STEP, trained)
        return prep.layout(ctx, parallel)[0].gpu_layers == prep.total_layers

    hi = -(-trained // CTX_STEP)
    if fits(hi):
        return trained
    lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo * CTX_STEP
