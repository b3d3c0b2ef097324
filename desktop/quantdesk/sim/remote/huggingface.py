"""Simulated Hugging Face GGUF repositories derived from the catalog.

Every instruct build becomes ``quantdesk-sim/<model>-<build>-Instruct-GGUF`` holding one file
per quantization (``<model>-<build>-instruct-<QUANT>.gguf``), with F16 split in two shards in a
``F16/`` folder as large quants are on the real site, plus a README. The LFS sha256 of a
single file is the hex of the catalog's model blob digest, and ``/v2/<owner>/<repo>/manifests/
<QUANT>`` serves the catalog's manifest, so an hf.co pull and the library agree on digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from quantdesk.sim.catalog import Catalog, Variant

OWNER = "quantdesk-sim"


@dataclass(frozen=True, slots=True)
class HfFile:
    path: str
    size: int
    variant: Variant | None  # the weights it holds (None for README)
    shard: int = 0  # 1-based shard number, 0 when not split
    sha256: str | None = None


def repo_name(v: Variant) -> str:
    return f"{v.model}-{v.build.upper()}-Instruct-GGUF"


@lru_cache(maxsize=8)
def repos(cat: Catalog) -> dict[str, list[HfFile]]:
    """Lower-cased repo name -> files."""
    out: dict[str, list[HfFile]] = {}
    for v in cat.variants():
        if v.kind != "instruct":
            continue
        files = out.setdefault(repo_name(v).lower(), [HfFile("README.md", 1523, None)])
        stem = f"{v.model}-{v.build}-instruct-{v.quant.name}"
        manifest = cat.manifest_for(v.name)
        digest = manifest.layers[0].digest.removeprefix("sha256:") if manifest else None
        if v.quant.name in ("F16", "BF16", "F32"):
            half = v.model_bytes // 2
            files.append(HfFile(f"{v.quant.name}/{stem}-00001-of-00002.gguf", half, v, 1))
            files.append(HfFile(f"{v.quant.name}/{stem}-00002-of-00002.gguf",
                                v.model_bytes - half, v, 2))
        else:
            files.append(HfFile(f"{stem}.gguf", v.model_bytes, v, 0, digest))
    return out


def find_repo(cat: Catalog, owner: str, repo: str) -> list[HfFile] | None:
    if owner.lower() != OWNER:
        return None
    return repos(cat).get(repo.lower())


def tree_entries(files: list[HfFile]) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []
    dirs = sorted({f.path.split("/")[0] for f in files if "/" in f.path})
    entries += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in dirs]
    for f in files:
        entry: dict[str, object] = {"type": "file", "oid": "f" * 40, "size": f.size,
                                    "path": f.path}
        if f.variant is not None:
            entry["lfs"] = {"oid": f.sha256 or f"{f.shard:064x}", "size": f.size,
                            "pointerSize": 135}
        entries.append(entry)
    return entries


def variant_for_tag(files: list[HfFile], tag: str) -> HfFile | None:
    """What hf.co serves for ``:<tag>``: quant label (any case) or file name; default Q4_K_M."""
    t = tag.lower()
    if t == "latest":
        t = "q4_k_m"
    for f in files:
        if f.variant is None:
            continue
        if f.variant.quant.name.lower() == t or f.path.lower() in (t, t + ".gguf"):
            return f
    return None
