"""Windows ``.ico`` and macOS ``.icns`` files made from PNGs, with no imaging library.

Both formats may hold PNG data directly (ICO since Windows Vista, ICNS since macOS 10.7), so a
writer only lays out a directory of the PNG files rendered by ``render_icons.py``. The readers
exist so the tests can check what was written.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ICO_SIZES: tuple[int, ...] = (16, 24, 32, 48, 64, 128, 256)  # 256 is the format's maximum

# ICNS element types that hold PNG data: type -> pixel size. The "@2x" types reuse the
# larger PNG, as Apple's iconutil does.
ICNS_TYPES: dict[str, int] = {
    "icp4": 16,
    "icp5": 32,
    "icp6": 64,
    "ic07": 128,
    "ic08": 256,
    "ic09": 512,
    "ic11": 32,
    "ic12": 64,
    "ic13": 256,
    "ic14": 512,
}


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _checked(pngs: Mapping[int, bytes], sizes: tuple[int, ...]) -> dict[int, bytes]:
    missing = [s for s in sizes if s not in pngs]
    if missing:
        raise ValueError(f"PNG icons missing for sizes {missing}")
    for size in sizes:
        if png_size(pngs[size]) != (size, size):
            raise ValueError(f"the {size}px icon is {png_size(pngs[size])}")
    return {s: pngs[s] for s in sizes}


def ico_bytes(pngs: Mapping[int, bytes], sizes: tuple[int, ...] = ICO_SIZES) -> bytes:
    chosen = _checked(pngs, sizes)
    header = struct.pack("<HHH", 0, 1, len(chosen))
    offset = len(header) + 16 * len(chosen)
    entries, blobs = [], []
    for size, data in chosen.items():
        dim = 0 if size >= 256 else size  # 0 means 256 in the one-byte fields
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset))
        blobs.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(blobs)


def read_ico(data: bytes) -> list[tuple[int, bytes]]:
    """(declared size, PNG bytes) for each image of an ICO file."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an ICO file")
    out = []
    for i in range(count):
        w, _h, _c, _r, _p, _b, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        out.append((w or 256, data[offset : offset + length]))
    return out


def icns_bytes(pngs: Mapping[int, bytes]) -> bytes:
    chosen = _checked(pngs, tuple(sorted(set(ICNS_TYPES.values()))))
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", 8 + len(chosen[size])) + chosen[size]
        for kind, size in ICNS_TYPES.items()
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def read_icns(data: bytes) -> dict[str, bytes]:
    if data[:4] != b"icns" or struct.unpack(">I", data[4:8])[0] != len(data):
        raise ValueError("not an ICNS file")
    out, pos = {}, 8
    while pos < len(data):
        kind = data[pos : pos + 4].decode("ascii")
        (length,) = struct.unpack(">I", data[pos + 4 : pos + 8])
        if length < 8 or pos + length > len(data):
            raise ValueError(f"truncated ICNS element {kind!r}")
        out[kind] = data[pos + 8 : pos + length]
        pos += length
    return out


def write_platform_icons(pngs_root: Path, out_dir: Path, app_id: str) -> dict[str, Path]:
    """Write ``app_id.ico`` and ``app_id.icns`` from the hicolor PNG tree; returns both paths."""
    pngs = {}
    for folder in pngs_root.glob("*x*"):
        png = folder / "apps" / f"{app_id}.png"
        if png.is_file():
            pngs[int(folder.name.split("x")[0])] = png.read_bytes()
    out_dir.mkdir(parents=True, exist_ok=True)
    ico, icns = out_dir / f"{app_id}.ico", out_dir / f"{app_id}.icns"
    ico.write_bytes(ico_bytes(pngs))
    icns.write_bytes(icns_bytes(pngs))
    return {"ico": ico, "icns": icns}
