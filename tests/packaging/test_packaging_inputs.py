"""What the PyInstaller spec is fed: version, hidden imports, data files and icons, checked
against the source tree so a new command, page or resource cannot be left out of the bundle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from packaging_support import APP_ID, LINUX, PACKAGING, ROOT, bundle_inputs, icon_formats

import quantdesk

SOURCE_PACKAGE = ROOT / "desktop" / "quantdesk"
HICOLOR = LINUX / "icons" / "hicolor"


def test_version_is_the_package_version() -> None:
    assert bundle_inputs.version() == quantdesk.__version__


def test_every_command_and_page_module_is_a_hidden_import() -> None:
    hidden = set(bundle_inputs.hidden_imports())
    commands = {
        f"quantdesk.cli.commands.{p.stem}"
        for p in (SOURCE_PACKAGE / "cli" / "commands").glob("*.py")
        if p.stem != "__init__"
    }
    pages = {f"quantdesk.ui.pages.{p.stem}" for p in (SOURCE_PACKAGE / "ui" / "pages").glob("*.py")}
    from quantdesk.cli.main import COMMAND_MODULES
    from quantdesk.ui.page_registry import PAGE_SPECS

    listed_commands = {f"quantdesk.cli.commands.{n}" for n in COMMAND_MODULES}
    assert commands & listed_commands <= hidden
    assert pages & {s.module for s in PAGE_SPECS} <= hidden
    assert {"quantdesk.resources", "pynvml"} <= hidden


def test_hidden_imports_all_resolve() -> None:
    import importlib.util

    missing = [n for n in bundle_inputs.hidden_imports() if importlib.util.find_spec(n) is None]
    assert missing == []


def _source_files() -> list[Path]:
    return [p for p in SOURCE_PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]


def test_only_known_modules_import_by_name() -> None:
    """A new ``importlib.import_module`` elsewhere would be invisible to PyInstaller: this
    fails so that bundle_inputs.hidden_imports learns about it."""
    callers = set()
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", ""))
                in ("import_module", "__import__")
            ):
                callers.add(path.relative_to(SOURCE_PACKAGE).as_posix())
    assert callers == {"cli/main.py", "ui/page_registry.py"}


def test_packages_read_as_resources_are_hidden_imports() -> None:
    pattern = re.compile(r"""(?:files\(\s*|_PACKAGE\s*=\s*)["'](quantdesk[\w.]*)["']""")
    named = {m.group(1) for p in _source_files() for m in pattern.finditer(p.read_text("utf-8"))}
    assert "quantdesk.resources" in named  # the scan itself still finds the known one
    assert named <= set(bundle_inputs.hidden_imports())


def test_data_files_cover_every_resource_and_land_beside_their_package() -> None:
    data = {Path(src): dest for src, dest in bundle_inputs.data_files()}
    wanted = [
        p
        for folder in ("resources", "sim/data", "core/data")
        for p in (SOURCE_PACKAGE / folder).rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    ]
    assert wanted, "no resource files found: the test looks in the wrong place"
    for path in wanted:
        assert path in data, f"{path} would be missing from the bundle"
        assert data[path] == path.parent.relative_to(ROOT / "desktop").as_posix()
    assert not [p for p in data if p.suffix == ".py"]


def test_committed_icons_match_the_app_icon() -> None:
    svg = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    assert svg.read_bytes() == (SOURCE_PACKAGE / "resources" / "icons" / "app.svg").read_bytes()
    sizes = sorted(int(d.name.split("x")[0]) for d in HICOLOR.glob("*x*"))
    assert sizes == [16, 22, 24, 32, 48, 64, 128, 256, 512]
    for size in sizes:
        png = (HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png").read_bytes()
        assert icon_formats.png_size(png) == (size, size)


def test_render_icons_writes_the_tree(tmp_path: Path, qapp) -> None:
    import render_icons

    assert render_icons.main(tmp_path) == 0
    for size in render_icons.SIZES:
        png = render_icons.png_path(size, tmp_path).read_bytes()
        assert icon_formats.png_size(png) == (size, size)
    # Opaque blue in the middle of the icon, transparent outside its rounded corner.
    from PySide6.QtGui import QImage

    image = QImage(str(render_icons.png_path(64, tmp_path)))
    assert image.pixelColor(32, 8).name() == "#2b5fd9"
    assert image.pixelColor(0, 0).alpha() == 0


def _committed_pngs() -> dict[int, bytes]:
    return {
        int(d.name.split("x")[0]): (d / "apps" / f"{APP_ID}.png").read_bytes()
        for d in HICOLOR.glob("*x*")
    }


def test_ico_holds_each_size_as_png() -> None:
    pngs = _committed_pngs()
    images = icon_formats.read_ico(icon_formats.ico_bytes(pngs))
    assert [size for size, _ in images] == list(icon_formats.ICO_SIZES)
    for size, data in images:
        assert data == pngs[size]


def test_icns_holds_retina_and_plain_sizes() -> None:
    pngs = _committed_pngs()
    elements = icon_formats.read_icns(icon_formats.icns_bytes(pngs))
    assert set(elements) == set(icon_formats.ICNS_TYPES)
    for kind, size in icon_formats.ICNS_TYPES.items():
        assert icon_formats.png_size(elements[kind]) == (size, size)


def test_icon_writers_refuse_missing_or_wrong_sizes() -> None:
    pngs = _committed_pngs()
    with pytest.raises(ValueError, match="missing"):
        icon_formats.ico_bytes({k: v for k, v in pngs.items() if k != 48})
    with pytest.raises(ValueError, match="512px"):
        icon_formats.icns_bytes({**pngs, 512: pngs[256]})
    with pytest.raises(ValueError, match="not a PNG"):
        icon_formats.png_size(b"GIF89a" + b"\0" * 30)


@pytest.mark.parametrize(("platform", "suffix"), [("win32", ".ico"), ("darwin", ".icns")])
def test_platform_icon_is_built_per_platform(tmp_path: Path, platform: str, suffix: str) -> None:
    path = Path(bundle_inputs.platform_icon(tmp_path, platform) or "")
    assert path.suffix == suffix and path.stat().st_size > 1000
    assert bundle_inputs.platform_icon(tmp_path, "linux") is None


def test_spec_uses_the_inputs() -> None:
    spec = (PACKAGING / "quantdesk.spec").read_text("utf-8")
    for call in (
        "inputs.hidden_imports()",
        "inputs.data_files()",
        "inputs.version()",
        "inputs.platform_icon(",
    ):
        assert call in spec
