"""scripts/qt-system-deps.sh with stand-ins for dpkg-query, id and apt-get on PATH: what it
reports, when it installs, the exact line it prints, and that make run, .ci/run and the README
all use its one list."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "qt-system-deps.sh"
BASH = shutil.which("bash") or "/bin/bash"


def stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!{BASH}\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def sandbox(tmp_path):
    """A PATH holding only what the script may call; dpkg-query answers from $INSTALLED."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("grep", "sed"):
        real = shutil.which(tool)
        assert real is not None
        (bin_dir / tool).symlink_to(real)
    stub(bin_dir, "uname", 'echo "${FAKE_UNAME:-Linux}"')
    stub(bin_dir, "id", 'echo "$FAKE_UID"')
    stub(bin_dir, "apt-get", 'echo "$*" >> "$APT_LOG"')
    stub(bin_dir, "dpkg-query", 'for p in $INSTALLED; do [ "$p" = "${!#}" ] && '
                                '{ echo -n "install ok installed"; exit 0; }; done; exit 1')
    log = tmp_path / "apt.log"

    def run(*args: str, installed: list[str] | None = None, uid: int = 1000,
            drop: tuple[str, ...] = (), **env: str) -> subprocess.CompletedProcess[str]:
        for name in drop:
            (bin_dir / name).unlink()
        names = installed if installed is not None else listed()
        environ = {"PATH": str(bin_dir), "INSTALLED": " ".join(names), "FAKE_UID": str(uid),
                   "APT_LOG": str(log), **env}
        return subprocess.run([BASH, str(SCRIPT), *args], capture_output=True, text=True,
                              env=environ, timeout=30)

    run.log = log  # type: ignore[attr-defined]
    return run


def listed(*extra: str) -> list[str]:
    out = subprocess.run([BASH, str(SCRIPT), "--list", *extra], capture_output=True, text=True,
                         check=True, timeout=30, env={**os.environ})
    return out.stdout.split()


def test_the_list_holds_the_xcb_libraries_and_ci_adds_its_tools():
    qt = listed()
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"} <= set(qt)
    assert "xvfb" not in qt
    assert set(listed("--ci")) - set(qt) == {"xvfb", "xauth", "desktop-file-utils", "appstream"}


def test_nothing_missing_means_silence(sandbox):
    for mode in ("--check", "--ensure"):
        out = sandbox(mode)
        assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    assert not sandbox.log.exists()


def test_check_names_what_is_missing_and_the_line_to_run(sandbox):
    have = [p for p in listed() if p not in ("libxcb-icccm4", "libxcb-keysyms1")]
    out = sandbox("--check", installed=have)
    assert out.returncode == 1
    assert ("Install them with: sudo apt-get install -y --no-install-recommends "
            "libxcb-icccm4 libxcb-keysyms1") in out.stderr
    assert not sandbox.log.exists()


def test_ensure_without_root_stops_with_the_exact_apt_get_line(sandbox):
    have = [p for p in listed() if p != "libxcb-icccm4"]
    out = sandbox("--ensure", installed=have, uid=1000)
    assert out.returncode == 1
    assert "    sudo apt-get install -y --no-install-recommends libxcb-icccm4\n" in out.stderr
    assert not sandbox.log.exists()


def test_ensure_as_root_installs_only_what_is_missing(sandbox):
    have = [p for p in listed() if p not in ("libxcb-icccm4", "libxcb-keysyms1")]
    out = sandbox("--ensure", installed=have, uid=0)
    assert out.returncode == 0, out.stderr
    assert "installing the system packages Qt needs: libxcb-icccm4 libxcb-keysyms1" in out.stdout
    assert sandbox.log.read_text().splitlines() == [
        "update -qq", "install -y -qq --no-install-recommends libxcb-icccm4 libxcb-keysyms1"]


def test_root_without_apt_get_still_gets_the_line(sandbox):
    out = sandbox("--ensure", installed=[], uid=0, drop=("apt-get",))
    assert out.returncode == 1 and "sudo apt-get install" in out.stderr


def test_ci_mode_installs_the_ci_tools_too(sandbox):
    out = sandbox("--install", "--ci", uid=0)
    assert out.returncode == 0
    assert sandbox.log.read_text().splitlines()[-1] == (
        "install -y -qq --no-install-recommends xvfb xauth desktop-file-utils appstream")


def test_other_systems_and_the_skip_switch_pass(sandbox):
    out = sandbox("--ensure", installed=[], drop=("dpkg-query",))
    assert out.returncode == 0 and "README.md" in out.stderr
    assert sandbox("--ensure", installed=[], FAKE_UNAME="Darwin").returncode == 0
    assert sandbox("--check", installed=[], QUANTDESK_SKIP_SYSTEM_DEPS="1").returncode == 0
    assert sandbox("--bogus").returncode == 2


def test_make_run_ci_and_readme_share_the_one_list():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run:", "demo:"):
        recipe = makefile.split(f"\n{target}", 1)[1].split("\n\n", 1)[0]
        assert "bash scripts/qt-system-deps.sh --ensure" in recipe, target
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/qt-system-deps.sh --install --ci" in ci
    assert not any(p in ci for p in listed("--ci")), "the package list lives in the script"
    readme = (ROOT / "README.md").read_text()
    assert all(p in readme for p in listed()), "README lists every Debian package"
