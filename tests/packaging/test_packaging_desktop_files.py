"""Linux desktop integration: the .desktop file, the AppStream metainfo and the Flatpak
manifest, checked by the freedesktop validators and against the project itself."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from packaging_support import APP_ID, LINUX, PACKAGING, ROOT, bundle_inputs

DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
FLATPAK = PACKAGING / "flatpak"


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package: {package})")
    return path


def _problems(output: str) -> list[str]:
    # Hints and infos are advice; errors and warnings are failures.
    return [
        line
        for line in output.splitlines()
        if re.search(r"\b(error|warning)\b", line, re.IGNORECASE) or line.startswith(("E:", "W:"))
    ]


def test_desktop_file_validates() -> None:
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    proc = subprocess.run([tool, str(DESKTOP)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _problems(proc.stdout + proc.stderr) == []


def test_metainfo_validates_offline() -> None:
    tool = _tool("appstreamcli", "appstream")
    proc = subprocess.run(
        [tool, "validate", "--no-net", "--no-color", str(METAINFO)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _problems(proc.stdout + proc.stderr) == []


def test_validators_reject_a_broken_desktop_file(tmp_path: Path) -> None:
    """The validation above can fail: a file without Name= does."""
    tool = _tool("desktop-file-validate", "desktop-file-utils")
    broken = tmp_path / f"{APP_ID}.desktop"
    broken.write_text(re.sub(r"(?m)^Name=.*\n", "", DESKTOP.read_text("utf-8")), "utf-8")
    proc = subprocess.run([tool, str(broken)], capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _script_name() -> str:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    (name,) = [n for n, target in scripts.items() if target == "quantdesk.cli.main:main"]
    return name


def test_desktop_file_runs_the_installed_command_with_the_installed_icon() -> None:
    entry = _desktop_entry()
    assert entry["Exec"].split()[0] == _script_name() == entry["TryExec"]
    assert entry["Icon"] == APP_ID
    assert (LINUX / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


def test_metainfo_matches_the_app() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("provides/binary") == _script_name()
    # The newest release is the version being shipped: bump both together.
    assert root.find("releases/release").get("version") == bundle_inputs.version()


def test_metainfo_screenshots_are_the_demo_screenshots() -> None:
    """Each image is a page screenshot as `make screenshots` names it (NN-key.png, NN the
    page's place in the sidebar), published from docs/screenshots in the repository."""
    from quantdesk.ui.page_registry import PAGE_SPECS

    order = {spec.key: n for n, spec in enumerate(PAGE_SPECS, start=1)}
    shots = ET.parse(METAINFO).getroot().findall("screenshots/screenshot")
    assert len(shots) >= 2
    assert [s.get("type") for s in shots].count("default") == 1
    for shot in shots:
        assert shot.findtext("caption")
        image = shot.find("image")
        assert (image.get("width"), image.get("height")) == ("1280", "800")
        m = re.fullmatch(
            r"https://raw\.githubusercontent\.com/quantdesk/quantdesk/main/"
            r"docs/screenshots/(\d\d)-(\w+)\.png",
            image.text or "",
        )
        assert m, image.text
        assert order.get(m.group(2)) == int(m.group(1)), image.text


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_flatpak_manifest_installs_the_app_and_every_dependency() -> None:
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load((FLATPAK / f"{APP_ID}.yml").read_text("utf-8"))
    assert manifest["app-id"] == APP_ID
    assert manifest["command"] == _script_name()
    assert "python3-deps.json" in manifest["modules"]
    app = next(m for m in manifest["modules"] if isinstance(m, dict) and m["name"] == "quantdesk")
    commands = "\n".join(app["build-commands"])
    for installed in (DESKTOP.name, METAINFO.name, "icons"):
        assert installed in commands
    deps = json.loads((FLATPAK / "python3-deps.json").read_text("utf-8"))
    wheels = {_normalise(Path(s["url"]).name.split("-")[0]) for s in deps["sources"]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    for req in [*project["dependencies"], *project["optional-dependencies"]["gui"]]:
        name = _normalise(re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0])
        assert name in wheels, f"{req} has no wheel in python3-deps.json (rerun gen_python_deps.py)"
        assert f'"{req}"' in deps["build-commands"][0]
    for source in deps["sources"]:
        assert source["url"].startswith("https://files.pythonhosted.org/")
        assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
        assert set(source.get("only-arches", ["x86_64"])) <= {"x86_64", "aarch64"}
