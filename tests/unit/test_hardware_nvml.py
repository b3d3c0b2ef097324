"""The NVIDIA probe against pynvml's real module with its device calls replaced.

The fake answers the way NVML does (bytes names from old bindings, c_nvmlMemory_t structs,
the real NVMLError subclasses), so the probe's parsing and error mapping are what is tested.
"""

from __future__ import annotations

from dataclasses import dataclass

import pynvml
import pytest

from quantdesk.core.hardware import ProbeUnavailable, probe_machine
from quantdesk.core.hardware.nvidia import probe_nvidia

MiB = 1 << 20


@dataclass
class FakeCard:
    name: bytes
    uuid: bytes
    total: int
    used: int
    cc: tuple[int, int] | None
    broken: Exception | None = None  # raised by the memory query, as a lost GPU does

    @property
    def free(self) -> int:
        return self.total - self.used


# Figures as nvidia-smi reports them for these cards (MiB totals).
RTX_3060 = FakeCard(
    b"NVIDIA GeForce RTX 3060",
    b"GPU-5d2a1c3e-6b7f-4a51-9c0d-3e8f1a2b4c6d",
    12288 * MiB,
    412 * MiB,
    (8, 6),
)
RTX_4090 = FakeCard(
    b"NVIDIA GeForce RTX 4090",
    b"GPU-0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b",
    24564 * MiB,
    1730 * MiB,
    (8, 9),
)
GTX_780TI = FakeCard(
    b"NVIDIA GeForce GTX 780 Ti",
    b"GPU-11112222-3333-4444-5555-666677778888",
    3072 * MiB,
    96 * MiB,
    (3, 5),
)
GTX_1080 = FakeCard(
    b"NVIDIA GeForce GTX 1080",
    b"GPU-aaaabbbb-cccc-dddd-eeee-ffff00001111",
    8192 * MiB,
    200 * MiB,
    (6, 1),
)


class FakeNvml:
    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        cards: list[FakeCard],
        driver: bytes = b"550.54.15",
        init_error: Exception | None = None,
    ) -> None:
        self.cards = cards
        self.init_calls = 0
        self.shutdown_calls = 0
        self.init_error = init_error
        for name in (
            "nvmlInit",
            "nvmlShutdown",
            "nvmlDeviceGetCount",
            "nvmlDeviceGetHandleByIndex",
            "nvmlDeviceGetName",
            "nvmlDeviceGetUUID",
            "nvmlDeviceGetMemoryInfo",
            "nvmlDeviceGetCudaComputeCapability",
        ):
            monkeypatch.setattr(pynvml, name, getattr(self, name))
        monkeypatch.setattr(pynvml, "nvmlSystemGetDriverVersion", lambda: driver)

    def nvmlInit(self) -> None:
        self.init_calls += 1
        if self.init_error is not None:
            raise self.init_error

    def nvmlShutdown(self) -> None:
        self.shutdown_calls += 1

    def nvmlDeviceGetCount(self) -> int:
        return len(self.cards)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> FakeCard:
        if not 0 <= index < len(self.cards):
            raise pynvml.NVMLError_InvalidArgument()
        return self.cards[index]

    def nvmlDeviceGetName(self, card: FakeCard) -> bytes:
        return card.name

    def nvmlDeviceGetUUID(self, card: FakeCard) -> bytes:
        return card.uuid

    def nvmlDeviceGetMemoryInfo(self, card: FakeCard) -> pynvml.c_nvmlMemory_t:
        if card.broken is not None:
            raise card.broken
        mem = pynvml.c_nvmlMemory_t()
        mem.total, mem.free, mem.used = card.total, card.free, card.used
        return mem

    def nvmlDeviceGetCudaComputeCapability(self, card: FakeCard) -> tuple[int, int]:
        if card.cc is None:
            raise pynvml.NVMLError_NotSupported()
        return card.cc


def test_two_cards_are_read_with_names_decoded(monkeypatch):
    fake = FakeNvml(monkeypatch, [RTX_3060, RTX_4090])
    gpus = probe_nvidia()
    assert [g.index for g in gpus] == [0, 1]
    for gpu, card in zip(gpus, [RTX_3060, RTX_4090], strict=True):
        assert gpu.vendor == "nvidia"
        assert gpu.name == card.name.decode()
        assert gpu.uuid == card.uuid.decode()
        assert (gpu.total_bytes, gpu.free_bytes, gpu.used_bytes) == (
            card.total,
            card.free,
            card.used,
        )
        assert gpu.compute_capability == f"{card.cc[0]}.{card.cc[1]}"
        assert gpu.driver_version == "550.54.15"
        assert gpu.usable and gpu.note == "" and not gpu.unified
    assert fake.init_calls == 1 and fake.shutdown_calls == 1


def test_str_names_from_current_bindings_are_kept(monkeypatch):
    FakeNvml(monkeypatch, [RTX_4090])
    monkeypatch.setattr(pynvml, "nvmlDeviceGetName", lambda card: "NVIDIA GeForce RTX 4090")
    assert probe_nvidia()[0].name == "NVIDIA GeForce RTX 4090"


def test_kepler_card_is_listed_but_unusable(monkeypatch):
    FakeNvml(monkeypatch, [GTX_780TI, RTX_3060])
    old, new = probe_nvidia()
    assert not old.usable and "3.5" in old.note and "5.0" in old.note
    assert old.total_bytes == GTX_780TI.total  # still shown with its memory
    assert new.usable
    machine = probe_machine(platform="linux/x86_64", sysfs_root="/nonexistent-root")
    assert [g.name for g in machine.usable_gpus] == [RTX_3060.name.decode()]
    assert machine.total_vram_bytes == RTX_3060.total


def test_pascal_with_an_old_driver_gets_a_note_but_stays_usable(monkeypatch):
    FakeNvml(monkeypatch, [GTX_1080], driver=b"555.42.02")
    (gpu,) = probe_nvidia()
    assert gpu.usable and "570" in gpu.note and "555.42.02" in gpu.note
    FakeNvml(monkeypatch, [GTX_1080], driver=b"570.86.10")
    assert probe_nvidia()[0].note == ""


def test_unknown_compute_capability_does_not_block(monkeypatch):
    card = FakeCard(b"NVIDIA A100-SXM4-40GB", b"GPU-x", 40960 * MiB, 0, None)
    FakeNvml(monkeypatch, [card])
    (gpu,) = probe_nvidia()
    assert gpu.usable and gpu.compute_capability == "" and "unknown" in gpu.note


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (pynvml.NVMLError_LibraryNotFound, "no NVIDIA driver found"),
        (pynvml.NVMLError_DriverNotLoaded, "not loaded"),
        (pynvml.NVMLError_NoPermission, "permission"),
        (pynvml.NVMLError_LibRmVersionMismatch, "reboot"),
    ],
)
def test_init_failures_become_reasons(monkeypatch, error, words):
    fake = FakeNvml(monkeypatch, [RTX_3060], init_error=error())
    with pytest.raises(ProbeUnavailable, match=words):
        probe_nvidia()
    assert fake.shutdown_calls == 0  # NVML refuses a shutdown it never started
    machine = probe_machine(platform="linux/x86_64", sysfs_root="/nonexistent-root")
    assert machine.probes["nvml"].startswith("unavailable: ")
    assert words in machine.probes["nvml"]
    assert machine.gpus == ()


def test_unknown_error_keeps_nvml_words(monkeypatch):
    FakeNvml(monkeypatch, [RTX_3060], init_error=pynvml.NVMLError_Timeout())
    with pytest.raises(ProbeUnavailable, match="NVML error: Timeout"):
        probe_nvidia()


def test_lost_gpu_is_flagged_and_others_survive(monkeypatch):
    lost = FakeCard(
        b"NVIDIA GeForce RTX 3090",
        b"GPU-y",
        24576 * MiB,
        0,
        (8, 6),
        broken=pynvml.NVMLError_GpuIsLost(),
    )
    fake = FakeNvml(monkeypatch, [RTX_4090, lost])
    good, bad = probe_nvidia()
    assert good.usable and good.total_bytes == RTX_4090.total
    assert not bad.usable and "stopped responding" in bad.note and bad.total_bytes == 0
    assert fake.shutdown_calls == 1


def test_failure_after_init_still_shuts_down(monkeypatch):
    fake = FakeNvml(monkeypatch, [RTX_3060])

    def count_fails() -> int:
        raise pynvml.NVMLError_Unknown()

    monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", count_fails)
    with pytest.raises(ProbeUnavailable):
        probe_nvidia()
    assert fake.shutdown_calls == 1


def test_missing_package_is_a_reason_not_a_crash(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "pynvml", None)
    machine = probe_machine(platform="linux/x86_64", sysfs_root="/nonexistent-root")
    assert machine.probes["nvml"] == "unavailable: the nvidia-ml-py package is not installed"
    assert machine.probes["psutil"] == "ok"


def _real_nvml_gpu_count() -> int:
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return 0
    try:
        return int(pynvml.nvmlDeviceGetCount())
    finally:
        pynvml.nvmlShutdown()


@pytest.mark.skipif(_real_nvml_gpu_count() < 1, reason="needs a real NVIDIA GPU and driver")
def test_real_nvidia_gpu():
    gpus = probe_nvidia()
    assert gpus
    for gpu in gpus:
        assert gpu.name.strip()
        assert gpu.total_bytes >= gpu.free_bytes > 0
        major, minor = gpu.compute_capability.split(".")
        assert int(major) >= 1 and int(minor) >= 0
        assert gpu.driver_version
