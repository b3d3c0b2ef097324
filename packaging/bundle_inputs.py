"""What the PyInstaller spec feeds the build: version, hidden imports, data files, icons.

Kept out of the ``.spec`` file so the tests can check it without running PyInstaller, and
derived from the project's own tables so that adding a command, a page or a resource needs no
edit here:

- hidden imports: every module the app imports by *name* at run time (``importlib``), which
  PyInstaller's bytecode scan cannot see: the CLI commands (``cli.main.COMMAND_MODULES``), the
  window's pages (``ui.page_registry.PAGE_SPECS``), the packages read with
  ``importlib.resources``, and the optional GPU probe ``pynvml``;
- data files: the ``[tool.setuptools.package-data]`` patterns of ``pyproject.toml``, the same
  list the wheel uses.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "desktop"
PACKAGE = SOURCE / "quantdesk"
APP_ID = "io.github.quantdesk.QuantDesk"
HICOLOR = ROOT / "packaging" / "linux" / "icons" / "hicolor"

# Packages opened with importlib.resources.files("...") rather than imported.
RESOURCE_PACKAGES: tuple[str, ...] = ("quantdesk.resources", "quantdesk.sim", "quantdesk.core")
# Imported inside a function only where an NVIDIA driver may exist; declared so the bundle
# has it everywhere.
OPTIONAL_IMPORTS: tuple[str, ...] = ("pynvml", "gguf")
# Never used at run time. Qt modules are not listed: pyqtgraph imports several
# (QtOpenGL among them) whether or not a chart needs them.
EXCLUDES: tuple[str, ...] = ("tkinter", "pydoc_data", "pytest", "hypothesis", "IPython")


def version() -> str:
    """``quantdesk.__version__``, read from the source without importing it."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text("utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "__version__"
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise LookupError("quantdesk/__init__.py defines no __version__ string")


def _module_exists(name: str) -> bool:
    # A command or page that is not written yet is simply absent, as in the app itself.
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _with_source_on_path() -> None:
    if str(SOURCE) not in sys.path:
        sys.path.insert(0, str(SOURCE))


def command_modules() -> list[str]:
    _with_source_on_path()
    from quantdesk.cli.main import COMMAND_MODULES

    names = [f"quantdesk.cli.commands.{n}" for n in COMMAND_MODULES]
    return [n for n in names if _module_exists(n)]


def page_modules() -> list[str]:
    _with_source_on_path()
    from quantdesk.ui.page_registry import PAGE_SPECS

    return [s.module for s in PAGE_SPECS if _module_exists(s.module)]


def hidden_imports() -> list[str]:
    names = [*command_modules(), *page_modules(), *RESOURCE_PACKAGES, *OPTIONAL_IMPORTS]
    return list(dict.fromkeys(names))


def package_data_patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return list(config["tool"]["setuptools"]["package-data"]["quantdesk"])


def data_files() -> list[tuple[str, str]]:
    """(source file, destination folder inside the bundle) for every package-data file."""
    found: dict[Path, None] = {}
    for pattern in package_data_patterns():
        for path in sorted(PACKAGE.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".py":
                found[path] = None
    return [(str(p), str(p.parent.relative_to(SOURCE))) for p in found]


def platform_icon(build_dir: Path, platform: str = sys.platform) -> str | None:
    """The icon file PyInstaller wants on this platform (generated into ``build_dir``);
    None on Linux, where the desktop file and the window icon carry it instead."""
    if platform.startswith("linux"):
        return None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from icon_formats import write_platform_icons

    icons = write_platform_icons(HICOLOR, build_dir, APP_ID)
    return str(icons["icns"] if platform == "darwin" else icons["ico"])
