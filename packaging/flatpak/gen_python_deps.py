"""Write ``python3-deps.json``, the Flatpak module holding QuantDesk's Python dependencies.

Flatpak builds offline, so every wheel is listed with its URL and SHA-256. The list comes from
pip's own resolver (``pip install --dry-run --report``) for the runtime's Python and each
architecture, so it is exactly what ``pip install quantdesk`` would fetch there:

    .venv/bin/python packaging/flatpak/gen_python_deps.py

Needs PyPI; nothing is downloaded except the index pages pip reads to resolve.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = "3.12"  # the Python of org.freedesktop.Platform 24.08
ARCHES: dict[str, tuple[str, ...]] = {
    # PySide6 6.10+ wheels need glibc 2.34 (x86_64) / 2.39 (aarch64); the runtime has 2.39+.
    "x86_64": (
        "manylinux_2_39",
        "manylinux_2_34",
        "manylinux_2_28",
        "manylinux_2_17",
        "manylinux2014",
    ),
    "aarch64": (
        "manylinux_2_39",
        "manylinux_2_34",
        "manylinux_2_28",
        "manylinux_2_17",
        "manylinux2014",
    ),
}
# Built into the app's own module with --no-build-isolation, so the backend ships here too.
BUILD_REQUIREMENTS: tuple[str, ...] = ("setuptools>=77", "wheel")


def requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    # The app needs its `gui` extra (PySide6, pyqtgraph) besides the core's dependencies.
    gui = project["optional-dependencies"]["gui"]
    return [*project["dependencies"], *gui, *BUILD_REQUIREMENTS]


def resolve(arch: str, reqs: list[str]) -> list[dict[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        platforms = [f"--platform={tag}_{arch}" for tag in ARCHES[arch]]
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--isolated",
                "install",
                "--dry-run",
                "--quiet",
                "--ignore-installed",
                "--only-binary=:all:",
                f"--python-version={PYTHON}",
                "--implementation=cp",
                *platforms,
                f"--target={tmp}/none",
                "--index-url=https://pypi.org/simple",
                f"--report={report}",
                *reqs,
            ],
            check=True,
        )
        items = json.loads(report.read_text("utf-8"))["install"]
    out = []
    for item in items:
        info = item["download_info"]
        out.append(
            {
                "name": item["metadata"]["name"],
                "url": info["url"],
                "sha256": info["archive_info"]["hashes"]["sha256"],
            }
        )
    return out


def module(reqs: list[str], by_arch: dict[str, list[dict[str, str]]]) -> dict[str, object]:
    sources: dict[str, dict[str, object]] = {}
    for arch, wheels in by_arch.items():
        for wheel in wheels:
            entry = sources.setdefault(
                wheel["url"],
                {
                    "type": "file",
                    "url": wheel["url"],
                    "sha256": wheel["sha256"],
                    "arches": [],
                },
            )
            entry["arches"].append(arch)  # type: ignore[union-attr]
    listed = []
    for entry in sources.values():
        arches = entry.pop("arches")
        if len(arches) < len(by_arch):  # type: ignore[arg-type]
            entry["only-arches"] = arches
        listed.append(entry)
    names = " ".join(f'"{r}"' for r in reqs)
    return {
        "name": "python3-deps",
        "buildsystem": "simple",
        "build-commands": [
            'pip3 install --verbose --exists-action=i --no-index --find-links="file://${PWD}"'
            f" --prefix=${{FLATPAK_DEST}} --no-build-isolation {names}"
        ],
        "sources": listed,
    }


def main() -> int:
    reqs = requirements()
    by_arch = {arch: resolve(arch, reqs) for arch in ARCHES}
    out = HERE / "python3-deps.json"
    out.write_text(json.dumps(module(reqs, by_arch), indent=2) + "\n", "utf-8")
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
