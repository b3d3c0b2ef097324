"""The three layout algorithms on toy models small enough to trace by hand.

The toy: 3 blocks of 10 bytes with 5 bytes of KV each (a layer is 15), an output layer of 20,
input embeddings of 7, graphs of 50 (full offload) and 80 (partial); every GPU keeps 100
free (its minimum). Each expected figure below was worked out on paper, following Ollama's
EstimateGPULayers (static) and assignLayers (measured) as core/fit/layout.py describes them.
"""

from __future__ import annotations

import pytest

from quantdesk.core.fit.layout import (
    Device,
    Layout,
    LayoutInput,
    _balanced,
    _greedy,
    measured_layout,
    static_layout,
)


def gpu(free: int, index: int = 0, *, metal: bool = False, minimum: int = 100) -> Device:
    return Device(index, f"gpu{index}", free, minimum, metal)


def toy(**changes) -> LayoutInput:
    base = dict(blocks=[10, 10, 10], kv=[5, 5, 5], output=20, token_embd=7, projector=0,
                graph_full=50, graph_partial=80)
    return LayoutInput(**{**base, **changes})


# --- static (≤ 0.12.10) ---------------------------------------------------------------------
# The GPU is charged minimum + one layer of buffer (100 + 15 = 115) up front, and a layer goes
# on while free > allocated + the larger graph (80) + the layer.


def test_static_everything_fits():
    # 115 + 3·15 = 160, + output 20 = 180, + the full graph 50 = 230
    assert static_layout(toy(), [gpu(1000)]) == Layout(
        [4], [230], 230, 230, 0, 50, 115, 50, 15, [0])


def test_static_output_layer_left_out_by_one_byte():
    # after 3 layers 160 is charged; the output needs 250 > 160 + 80 + 20 = 260: no.
    # Partial: the graph is 80, 160 + 80 = 240 on the GPU, the output's 20 on the CPU
    assert static_layout(toy(), [gpu(250)]) == Layout(
        [3], [240], 240, 260, 20, 80, 115, 50, 15, [0])


def test_static_a_layer_needs_strictly_more_free_than_it_takes():
    # blk.0 needs 240 > 145 + 80 + 15 = 240: equal is not enough, so blk.0 and the output
    # (35 bytes) stay on the CPU; 145 + 80 = 225 on the GPU
    assert static_layout(toy(), [gpu(240)]) == Layout(
        [2], [225], 225, 260, 35, 80, 115, 50, 15, [0])


def test_static_a_gpu_without_room_for_the_reservation_gets_nothing():
    # a GPU needs overhead + graph 80 + minimum 100 + 2 buffers 30 = 210 before any layer
    lay = static_layout(toy(), [gpu(209)])
    assert (lay.layers, lay.vram, lay.size, lay.cpu_bytes) == ([0], 0, 65, 65)
    assert (lay.graph, lay.reserved) == (0, 0)
    # with exactly 210 the GPU is kept, but blk.2 needs 210 > 115 + 80 + 15 = 210: no
    assert static_layout(toy(), [gpu(210)]).layers == [0]
    assert static_layout(toy(), [gpu(211)]).layers == [1]
    assert static_layout(toy(), [gpu(226)]).layers == [2]  # 226 > 130 + 80 + 15


def test_static_overhead_is_kept_free_on_every_gpu():
    # OLLAMA_GPU_OVERHEAD 10: the output now needs 260 + 10 = 270 > 250
    assert static_layout(toy(overhead=10), [gpu(260)]).layers == [3]
    assert static_layout(toy(overhead=10), [gpu(271)]).layers == [4]


def test_static_metal_plans_with_the_full_graph():
    # Metal has no partial-offload graph: the larger graph is 50, so 250 holds everything
    # (115 + 45 = 160; the output needs 250 > 160 + 50 + 20 = 230)
    assert static_layout(toy(), [gpu(250, metal=True)]) == Layout(
        [4], [230], 230, 230, 0, 50, 115, 50, 15, [0])


def test_static_two_gpus_take_layers_round_robin_from_the_last():
    # 4 blocks; with 2 GPUs the partial graph (80) is planned for both. blk.3 -> GPU 1,
    # blk.2 -> GPU 0, blk.1 -> GPU 1, blk.0 -> GPU 0, then the output (placed 4 % 2 = 0)
    # -> GPU 0. GPU 0: 115 + 30 + 20 + 80 = 245; GPU 1: 115 + 30 + 80 = 225
    lay = static_layout(toy(blocks=[10] * 4, kv=[5] * 4), [gpu(300, 0), gpu(300, 1)])
    assert lay == Layout([3, 2], [245, 225], 470, 470, 0, 160, 230, 60, 20, [0, 1])


def test_static_projector_goes_with_the_first_gpu():
    # projector 30 joins GPU 0's up-front charge: 145; everything else as in the first test
    lay = static_layout(toy(projector=30), [gpu(1000)])
    assert (lay.device_bytes, lay.weights, lay.layers) == ([260], 80, [4])
    # a first GPU too small for the projector is skipped and the second one used
    lay = static_layout(toy(projector=30), [gpu(230, 0), gpu(1000, 1)])
    assert lay.layers[0] == 0 and lay.layers[1] == 4
    assert lay.weights == 50  # the projector is not on a GPU that received layers


def test_static_cpu_only():
    lay = static_layout(toy(), [Device(-1, "CPU", 1 << 62, 0)], cpu_only=True)
    # everything is charged to the CPU "device": buffer 15 + 45 + 20 + the graph 50 = 130
    assert (lay.layers, lay.device_bytes, lay.vram) == ([0], [0], 0)
    assert (lay.size, lay.cpu_bytes, lay.weights, lay.kv) == (130, 130, 50, 15)
    assert (lay.graph, lay.reserved) == (50, 15)


def test_static_v070_buffer_is_the_largest_layer_group():
    # v0.7.0 sized the buffer by the largest of blocks / token_embd / output (20) + kv[0]
    # (5) = 25 instead of blk.0's 15: the up-front charge is 125; blk.2 and blk.1 go on
    # (155), blk.0 needs 250 > 155 + 80 + 15 = 250: no; three layers fit with blk.0's buffer
    lay = static_layout(toy(largest_layer_buffer=True), [gpu(250)])
    assert (lay.layers, lay.reserved) == ([2], 125)
    lay = static_layout(toy(largest_layer_buffer=True, token_embd=40), [gpu(1000)])
    assert lay.reserved == 100 + 40 + 5


# --- measured (0.12.11 – 0.29) ------------------------------------------------------------
# A GPU's capacity is free − minimum − overhead − graph (− a buffer layer for the llama
# engine); the output layer rides with device 0.


def test_measured_full_offload():
    # 10+10+10 + 5+5+5 + output 20 + graph 50 = 115; no phantom reservation
    assert measured_layout(toy(), [gpu(1000)], buffer_layer=False) == Layout(
        [4], [115], 115, 115, 0, 50, 0, 50, 15, [0])


def test_measured_embeddings_count_as_vram_on_a_full_offload():
    assert measured_layout(toy(count_embeddings=True), [gpu(1000)], buffer_layer=False) == (
        Layout([4], [115], 122, 122, 0, 50, 0, 57, 15, [0]))


def test_measured_partial_offload():
    # capacity with the full graph: 200 − 100 − 50 = 50 < 20 + 45; with the partial graph
    # 200 − 100 − 80 = 20: one layer (blk.2). GPU: 15 + 80 = 95. CPU: blk.0, blk.1 (30) and
    # the output (20) = 50
    assert measured_layout(toy(), [gpu(200)], buffer_layer=False) == Layout(
        [1], [95], 95, 145, 50, 80, 0, 50, 15, [0])


def test_measured_partial_embeddings_stay_on_the_cpu():
    assert measured_layout(toy(count_embeddings=True), [gpu(200)], buffer_layer=False) == (
        Layout([1], [95], 95, 152, 57, 80, 0, 57, 15, [0]))


def test_measured_boundaries_are_inclusive():
    # exactly 65 of capacity (215 − 100 − 50) holds the output and three layers
    assert measured_layout(toy(), [gpu(215)], buffer_layer=False).layers == [4]
    # one byte less: partial, 214 − 100 − 80 = 34 holds two layers
    assert measured_layout(toy(), [gpu(214)], buffer_layer=False).layers == [2]
    # partial: exactly 15 (195 − 100 − 80) holds one layer
    assert measured_layout(toy(), [gpu(195)], buffer_layer=False).layers == [1]


def test_measured_buffer_layer_takes_one_layer_of_room():
    # the llama engine keeps blk.0 + kv[0] (15) free: 215 now fits only partially
    # (65 − 15 = 50 < 65; partial 215 − 100 − 80 − 15 = 20: one layer)
    assert measured_layout(toy(), [gpu(215)], buffer_layer=True).layers == [1]
    assert measured_layout(toy(), [gpu(230)], buffer_layer=True).layers == [4]


def test_measured_overhead_and_reserve_are_kept_free():
    assert measured_layout(toy(overhead=1), [gpu(215)], buffer_layer=False).layers == [2]
    assert measured_layout(toy(), [gpu(215)], buffer_layer=False, reserve=1).layers == [2]
    assert measured_layout(toy(), [gpu(216)], buffer_layer=False, reserve=1).layers == [4]


def test_measured_projector_takes_room_on_the_first_gpu_only():
    # projector 30: capacity 65 − 30 = 35 < 65 on GPU 0; GPU 1 is not charged
    lay = measured_layout(toy(projector=30), [gpu(215)], buffer_layer=False)
    assert lay.layers == [0]
    lay = measured_layout(toy(projector=30), [gpu(245)], buffer_layer=False)
    assert (lay.layers, lay.device_bytes, lay.weights) == ([4], [145], 80)


def test_measured_uses_one_gpu_when_it_holds_everything():
    lay = measured_layout(toy(), [gpu(1000, 0), gpu(1000, 1)], buffer_layer=False)
    assert (lay.layers, lay.on_gpu, lay.graph) == ([4], [0], 50)


def test_measured_spreads_when_one_gpu_is_not_enough():
    # each GPU: 190 − 100 − 50 = 40 of capacity. GPU 0 takes the output and blk.2 (35),
    # GPU 1 blk.1 and blk.0 (30); balanced, a smaller factor would not hold everything
    lay = measured_layout(toy(), [gpu(190, 0), gpu(190, 1)], buffer_layer=False)
    assert lay.layers == [2, 2]
    # GPU 0: output 20 + blk.2 15 + graph 50 = 85; GPU 1: blk.1 + blk.0 30 + graph 50 = 80
    assert (lay.device_bytes, lay.graph, lay.on_gpu) == ([85, 80], 100, [0, 1])


def test_server_spread_uses_every_gpu():
    lay = measured_layout(toy(), [gpu(1000, 0), gpu(1000, 1)], buffer_layer=False,
                          spread=True)
    assert lay.layers == [2, 2] and lay.on_gpu == [0, 1]


def test_measured_balances_two_gpus_by_capacity():
    # capacities 40 and 60: [1, 3] holds everything at a factor of 0.75 (20 <= 30, 45 <= 45),
    # [2, 2] would need 0.875 (35 <= 35)
    lay = measured_layout(toy(), [gpu(190, 0), gpu(210, 1)], buffer_layer=False)
    assert lay.layers == [1, 3]


def test_measured_partial_over_two_gpus_fills_in_order():
    # full capacities 10 and 50 (60 < 65: no full offload); partial ones −20 (nothing) and 20
    # (blk.2 only): GPU 1 holds blk.2 + the partial graph = 95
    lay = measured_layout(toy(), [gpu(160, 0), gpu(200, 1)], buffer_layer=False)
    assert (lay.layers, lay.device_bytes, lay.on_gpu) == ([0, 1], [0, 95], [1])


# --- the packing helpers ---------------------------------------------------------------------


def test_greedy_fills_in_order():
    assert _greedy([5, 5, 5], [10.0, 10.0]) == [2, 1]
    assert _greedy([5, 5, 5], [15.0]) == [3]
    assert _greedy([5, 5, 5], [14.0]) is None
    assert _greedy([11], [10.0, 11.0]) == [0, 1]
    assert _greedy([], []) == []
    assert _greedy([1], []) is None


@pytest.mark.parametrize(
    ("sizes", "caps", "counts"),
    [
        ([10] * 4, [100.0, 100.0], [2, 2]),  # a factor of 0.2 splits them evenly
        ([10] * 6, [100.0, 50.0], [4, 2]),  # in proportion to the capacities
        ([10] * 3, [100.0], [3]),
        ([10] * 4, [20.0, 20.0], [2, 2]),
        ([10] * 5, [20.0, 20.0], None),
    ],
)
def test_balanced_shares_in_proportion(sizes, caps, counts):
    assert _balanced(sizes, caps) == counts
