#!/usr/bin/env bash
# Hardware detection on a machine with a real NVIDIA GPU: run once there, from the repository
# root (`bash bench/device_check.sh`). Prints what QuantDesk detects, runs the NVML tests (the
# real-GPU test must pass, not skip) and prints nvidia-smi's figures beside ours.
# Exit status: 0 when every step passed, 1 otherwise.
set -u
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen

PY=.venv/bin/python
if [ ! -x "$PY" ]; then
    echo "== creating .venv (no .venv found)"
    python3 -m venv .venv || exit 1
    "$PY" -m pip install --quiet --upgrade pip || exit 1
    "$PY" -m pip install --quiet -c requirements/lock.txt -e '.[gui,test]' || exit 1
fi

failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
step() { echo; echo "== $*"; }

step "quantdesk hw --json"
"$PY" -m quantdesk hw --json > "$tmp"/hw.json || failed=1
cat "$tmp/hw.json"

step "quantdesk hw (table)"
"$PY" -m quantdesk hw || failed=1

step "NVML tests (fake devices + the real GPU)"
"$PY" -m pytest -q -p no:cacheprovider -rs \
    tests/unit/test_hardware_nvml.py \
    "tests/unit/test_hardware_host.py::test_real_probe_on_this_machine" \
    | tee "$tmp/nvml-tests.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || failed=1
if grep -q "SKIPPED.*needs a real NVIDIA GPU" "$tmp/nvml-tests.txt"; then
    echo "FAIL: the real-GPU test was skipped: NVML found no GPU here"
    failed=1
fi

step "nvidia-smi for comparison"
if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv || failed=1
    # Totals must agree to the MiB; free memory moves, so it is only shown.
    nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits > "$tmp"/smi.txt
    CHECK_DIR="$tmp" "$PY" - <<'PYCHECK' || failed=1
import json
import os
from pathlib import Path
d = Path(os.environ["CHECK_DIR"])
ours = [g["total_bytes"] >> 20 for g in json.loads((d / "hw.json").read_text())["gpus"]
        if g["vendor"] == "nvidia"]
smi = [int(line) for line in (d / "smi.txt").read_text().splitlines() if line.strip()]
print(f"total MiB  quantdesk={ours}  nvidia-smi={smi}")
raise SystemExit(0 if ours == smi else "FAIL: totals differ")
PYCHECK
else
    echo "FAIL: nvidia-smi not found"
    failed=1
fi

echo
if [ "$failed" -eq 0 ]; then echo "device check: PASS"; else echo "device check: FAIL"; fi
exit "$failed"
