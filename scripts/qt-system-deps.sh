#!/usr/bin/env bash
# The Debian/Ubuntu packages Qt needs to open a window (its xcb platform plugin, OpenGL, fonts).
# One list, used by `make run`, `make demo` and .ci/run; the README names the same packages
# for Fedora and Arch.
#
#   scripts/qt-system-deps.sh [--ensure | --check | --install | --list] [--ci]
#
#   --ensure   (default) check; when something is missing, install it if we are root and
#              apt-get exists, else stop (exit 1) with the exact apt-get line to run
#   --check    exit 0 when everything is installed, else name what is missing (exit 1)
#   --install  install whatever is missing with apt-get (needs root)
#   --list     print the package names, one a line
#   --ci       also the tools CI uses beside the app: a virtual X server and the checkers
#              for the .desktop and AppStream files
#
# Outside Debian (no dpkg-query) it says where the README lists the packages and exits 0.
# QUANTDESK_SKIP_SYSTEM_DEPS=1 skips the whole check.
set -euo pipefail

QT_PACKAGES=(
    libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0
    libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
    libxcb-randr0 libxcb-render-util0 libxcb-image0 fonts-dejavu-core
)
CI_PACKAGES=(xvfb xauth desktop-file-utils appstream)

mode=ensure
packages=("${QT_PACKAGES[@]}")
for arg in "$@"; do
    case "$arg" in
        --ensure|--check|--install|--list) mode="${arg#--}" ;;
        --ci) packages+=("${CI_PACKAGES[@]}") ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "qt-system-deps: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$mode" = list ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi
if [ -n "${QUANTDESK_SKIP_SYSTEM_DEPS:-}" ]; then
    exit 0
fi
if [ "$(uname -s)" != Linux ]; then
    exit 0  # macOS and Windows: the PySide6 wheels bring everything
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "qt-system-deps: not a Debian-based system; if the window does not open, install" \
         "the packages README.md lists for your distribution (\"System libraries\")." >&2
    exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

line="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$mode" = check ]; then
    echo "Qt needs these system packages, not installed: ${missing[*]}" >&2
    echo "Install them with: sudo $line" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Qt needs these system packages to open a window: ${missing[*]}" >&2
    echo "Install them, then run this again:" >&2
    echo "    sudo $line" >&2
    exit 1
fi
echo "installing the system packages Qt needs: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
