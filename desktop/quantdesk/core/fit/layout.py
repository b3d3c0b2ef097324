"""Where the layers go: Ollama's three layout algorithms over one library's GPUs.

* ``static_layout``  — ``EstimateGPULayers`` (≤0.12.10): a phantom minimum + one-layer buffer per
  GPU, the larger graph reserved while placing, layers walked last→first round-robin.
* ``measured_layout`` — ``createLayout``/``assignLayers`` (0.12.11–0.29): capacities net of minimum
  and graph, as few GPUs as possible, output layer dropped first, balanced by a capacity factor.
* ``server_layout`` — llama.cpp's ``--fit`` (0.30+): 1 GiB kept free per device, layers split
  over every device in proportion to its capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MiB = 1 << 20
SERVER_FIT_TARGET = 1024 * MiB


@dataclass(frozen=True, slots=True)
class Device:
    index: int
    name: str
    free: int
    minimum: int
    metal: bool = False


@dataclass(slots=True)
class LayoutInput:
    blocks: list[int]  # weight bytes per repeating layer
    kv: list[int]  # cache bytes per repeating layer
    output: int
    token_embd: int
    projector: int  # vision weights + their graph, placed with GPU 0
    graph_full: int
    graph_partial: int
    overhead: int = 0  # OLLAMA_GPU_OVERHEAD, per GPU
    count_embeddings: bool = False  # Ollama engine: token_embd counts toward ps size
    # v0.7.0 alone sized the buffer by the largest layer group, token_embd included (ollama
    # 0478d440f, reverted to blk.0 by 3fe74fba4 in v0.7.1): 304 MiB for a tied qwen3:4b.
    largest_layer_buffer: bool = False


@dataclass(slots=True)
class Layout:
    layers: list[int]  # layers (incl. the output layer) per device, same order as devices
    device_bytes: list[int]  # bytes charged to each device
    vram: int  # what ps reports as size_vram
    size: int  # what ps reports as size
    cpu_bytes: int  # what must live in system RAM
    graph: int  # graph bytes counted in size
    reserved: int  # phantom reservations counted in size (minimum + buffer)
    weights: int = 0
    kv: int = 0
    on_gpu: list[int] = field(default_factory=list)  # device indexes that received layers

    @property
    def gpu_layers(self) -> int:
        return sum(self.layers)


def static_layout(inp: LayoutInput, devices: list[Device], *, cpu_only: bool = False) -> Layout:
    """``EstimateGPULayers``; with ``cpu_only`` the single device is the CPU (no VRAM)."""
    n = len(inp.blocks)
    layer = [b + k for b, k in zip(inp.blocks, inp.kv, strict=True)]
    buf = layer[0] if layer else 0
    if inp.largest_layer_buffer and layer:
        buf = max(max(inp.blocks), inp.token_embd, inp.output) + inp.kv[0]
    full, partial = inp.graph_full, inp.graph_partial
    if devices and devices[0].metal:
        partial = full  # no partial-offload overhead on Metal
    elif len(devices) > 1:
        full = partial  # multi-GPU always plans with the partial graph
    gmax = max(full, partial)
    alloc = [0] * len(devices)
    counts = [0] * len(devices)
    space: list[int] = []
    for g, dev in enumerate(devices):
        extra = inp.projector if g == 0 else 0
        if dev.free < inp.overhead + extra + gmax + dev.minimum + 2 * buf:
            continue
        space.append(g)
        alloc[g] = dev.minimum + buf + extra
    overflow = placed = 0
    for i in range(n - 1, -1, -1):
        for j in range(len(space), 0, -1):
            g = space[i % j]
            if devices[g].free > inp.overhead + alloc[g] + gmax + layer[i]:
                alloc[g] += layer[i]
                counts[g] += 1
                placed += 1
                break
            space.pop(i % j)
        else:
            overflow += layer[i]
    fully = placed >= n
    if inp.output > 0:
        for j in range(len(space), 0, -1):
            g = space[placed % j]
            if devices[g].free > inp.overhead + alloc[g] + gmax + inp.output:
                alloc[g] += inp.output
                counts[g] += 1
                placed += 1
                break
        if placed < n + 1:
            fully = False
            overflow += inp.output
    graph = full if fully else partial
    for g in range(len(devices)):
        if counts[g] > 0:
            alloc[g] += graph
    total = sum(alloc) + overflow
    used = [g for g in range(len(devices)) if counts[g] > 0]
    reserved = sum(devices[g].minimum + buf for g in used)
    graph *= max(len(used), 1)  # every GPU that holds layers runs its own graph
    if cpu_only or placed == 0:
        return Layout(
            [0] * len(devices),
            [0] * len(devices),
            0,
            total,
            total,
            graph if placed else 0,
            reserved if placed else 0,
            sum(inp.blocks) + inp.output,
            sum(inp.kv),
        )
    return Layout(
        counts,
        alloc,
        sum(alloc),
        total,
        overflow,
        graph,
        reserved,
        sum(inp.blocks) + inp.output + (inp.projector if 0 in used else 0),
        sum(inp.kv),
        [devices[g].index for g in used],
    )


def _greedy(sizes: list[int], caps: list[float]) -> list[int] | None:
    """Fills devices in order with ``sizes``; per-device counts, or None when some are left."""
    counts = [0] * len(caps)
    d, room = 0, caps[0] if caps else 0.0
    for s in sizes:
        while d < len(caps) and s > room:
            d += 1
            room = caps[d] if d < len(caps) else 0.0
        if d >= len(caps):
            return None
        room -= s
        counts[d] += 1
    return counts


def _balanced(sizes: list[int], caps: list[float]) -> list[int] | None:
    """Smallest capacity factor that still holds every layer, so GPUs share the work."""
    best = _greedy(sizes, caps)
    if best is None or len(caps) == 1:
        return best
    lo, hi = 0.0, 1.0
    for _ in range(12):
        mid = (lo + hi) / 2
        trial = _greedy(sizes, [c * mid for c in caps])
        if trial is None:
            lo = mid
        else:
            hi, best = mid, trial
    return best


def measured_layout(
    inp: LayoutInput,
    devices: list[Device],
    *,
    buffer_layer: bool,
    spread: bool = False,
    reserve: int = 0,
) -> Layout:
    """``assignLayers``: full fit on as few devices as possible, else drop the output layer and
    fill from the last block down. ``spread`` uses every device (llama.cpp's layer split);
    ``reserve`` is extra memory kept free per device (llama.cpp's fit target)."""
    n = len(inp.blocks)
    layer = [b + k for b, k in zip(inp.blocks, inp.kv, strict=True)]
    buf = layer[0] if buffer_layer and layer else 0

    def caps(devs: list[Device], graph: int) -> list[float]:
        out = []
        for pos, d in enumerate(devs):
            room = d.free - d.minimum - inp.overhead - graph - buf - reserve
            out.append(float(room - (inp.projector if pos == 0 else 0)))
        return out

    full_seq = [inp.output, *reversed(layer)]
    first = len(devices) if spread else 1
    for k in range(first, len(devices) + 1):
        devs = devices[:k]
        counts = _balanced(full_seq, caps(devs, inp.graph_full))
        if counts is not None:
            return _measured_result(inp, devs, counts, n, full=True)
    part_caps = caps(devices, inp.graph_partial)
    counts = [0] * len(devices)
    d, room = 0, part_caps[0] if part_caps else 0.0
    for s in reversed(layer):
        while d < len(devices) and s > room:
            d += 1
            room = part_caps[d] if d < len(devices) else 0.0
        if d >= len(devices):
            break
        room -= s
        counts[d] += 1
    return _measured_result(inp, devices, counts, n, full=False)


def _measured_result(
    inp: LayoutInput, devs: list[Device], counts: list[int], n: int, *, full: bool
) -> Layout:
    per_device_graph = inp.graph_full if full else inp.graph_partial
    graph = per_device_graph * sum(1 for c in counts if c)
    device_bytes: list[int] = []
    top = n  # layers are taken from the top (last block) down
    for pos, c in enumerate(counts):
        take = c - (1 if full and pos == 0 else 0)  # the output layer rides with device 0
        lo = top - take
        used = sum(inp.blocks[lo:top]) + sum(inp.kv[lo:top])
        if full and pos == 0:
            used += inp.output
        if c or (full and pos == 0):
            used += per_device_graph + (inp.projector if pos == 0 else 0)
        device_bytes.append(used if c else 0)
        top = lo
    vram = sum(device_bytes)
    cpu = sum(inp.blocks[:top]) + sum(inp.kv[:top]) + (0 if full else inp.output)
    embd = inp.token_embd if inp.count_embeddings else 0
    size = vram + cpu + embd
    # for a full offload the input embeddings are reported as VRAM so ps shows 100% GPU
    vram_seen = vram + embd if full else vram
    return Layout(
        counts,
        device_bytes,
        vram_seen,
        size,
        cpu + (0 if full else embd),
        graph if vram else 0,
        0,
        sum(inp.blocks) + inp.output + embd + (inp.projector if vram else 0),
        sum(inp.kv),
        [d.index for d, c in zip(devs, counts, strict=True) if c],
    )
