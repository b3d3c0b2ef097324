"""Mutation testing of the modules whose tests must catch every wrong answer (`make mutation`).

    python scripts/mutation.py fit|fit.<file>|tags|names|agreement [--max-children N]

mutmut imports the mutated code from ``mutants/src`` (it knows ``./``, ``src/`` and ``source/``
only, and this project keeps its package in ``desktop/``), so each run works in a staging folder,
``build/mutation/<module>/``, that links ``src`` to ``desktop`` and gets the repository's
pyproject with that module's ``[tool.mutmut]`` table appended. Only the tests that exercise the
module run against its mutants. The summary prints killed / total per source file; a surviving
mutant that cannot change behaviour is listed in EQUIVALENT with the reason and left out of
the count, so the rate counts real mutants only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = "src/quantdesk/core"

# module -> (files mutmut may mutate, tests that exercise them)
TARGETS: dict[str, tuple[list[str], list[str]]] = {
    "fit": (
        [f"{PKG}/fit/*"],
        [
            "tests/unit/test_fit_accuracy.py",
            "tests/unit/test_fit_calibration.py",
            "tests/unit/test_fit_flash_and_words.py",
            "tests/unit/test_fit_placement.py",
            "tests/unit/test_fit_weights.py",
            "tests/unit/test_fit_worked_example.py",
            "tests/unit/test_fit_layout_by_hand.py",
            "tests/unit/test_fit_estimate_by_hand.py",
            "tests/unit/test_fit_quant_mix_rules.py",
            "tests/unit/test_small_rules_more.py",
            "tests/unit/test_observed_loads.py",
            "tests/unit/test_eviction.py",
            "tests/unit/test_fit_kv_by_hand.py",
            "tests/unit/test_fit_graph_by_hand.py",
            "tests/unit/test_fit_mix_by_hand.py",
            "tests/unit/test_fit_flash_by_hand.py",
            "tests/unit/test_fit_explain_by_hand.py",
            "tests/unit/test_fit_layers_by_hand.py",
            "tests/unit/test_fit_rules_by_source.py",
        ],
    ),
    "tags": (
        [f"{PKG}/registry/tags.py"],
        ["tests/unit/test_registry_tags.py", "tests/unit/test_registry_tags_edges.py"],
    ),
    "names": (
        [f"{PKG}/ollama/names.py"],
        ["tests/unit/test_ollama_names.py", "tests/unit/test_ollama_names_reasons.py"],
    ),
    "agreement": (
        [f"{PKG}/compare/agreement.py"],
        ["tests/unit/test_compare_scoring.py", "tests/unit/test_compare_agreement.py"],
    ),
}

# mutmut wraps every function of the mutated module in a trampoline, several times slower:
# the one timed test (a budget for the fit's speed, not its answers) cannot hold there.
PYTEST_ARGS = [
    "-p", "no:cacheprovider", "-q",
    "--deselect", "tests/unit/test_fit_accuracy.py::test_one_fit_is_fast",
]

# core/fit/ has ~2,900 mutants (over an hour on one core): each of its files is a target of its
# own too ("fit.estimate", "fit.layout", ...), run with the same tests.
for _file in sorted((ROOT / "desktop/quantdesk/core/fit").glob("*.py")):
    if _file.stem != "__init__":
        TARGETS[f"fit.{_file.stem}"] = ([f"{PKG}/fit/{_file.name}"], TARGETS["fit"][1])

# Survivors that cannot change any result, by mutmut's name for them (a name stays the same
# while its function is not edited); they leave the count, with the reason.
_E = "quantdesk.core."
EQUIVALENT: dict[str, str] = {
    _E + "ollama.names.xǁModelNameǁ__hash____mutmut_1":
        "hash(None): a constant hash keeps __eq__ and __hash__ consistent",
    _E + "compare.agreement.x_first_divergence__mutmut_4": "zip strict=None is the default",
    _E + "compare.agreement.x_first_divergence__mutmut_7": "zip without strict: the default",
    _E + "compare.agreement.x_score__mutmut_18": "lengths are checked before the zip",
    _E + "compare.agreement.x_score__mutmut_21": "lengths are checked before the zip",
    _E + "compare.agreement.x_score__mutmut_22": "lengths are checked before the zip",
    _E + "registry.tags.x_sizes_from_model_type__mutmut_44": 'rstrip("XX0XX"): no X in a number',
    _E + "registry.tags.x_sizes_from_model_type__mutmut_45": 'rstrip("XX.XX"): no X in a number',
    _E + "registry.tags.x_sizes_from_model_type__mutmut_54": 'rstrip("XX0XX"): no X in a number',
    _E + "registry.tags.x_sizes_from_model_type__mutmut_55": 'rstrip("XX.XX"): no X in a number',
    _E + "fit.layout.x__greedy__mutmut_9": "with no devices the loop returns None before room",
    _E + "fit.layout.x__greedy__mutmut_20": "past the last device the loop returns None",
    _E + "fit.layout.x__balanced__mutmut_6":
        "one device: bisecting still puts every layer on it; no fit: best stays None",
    **{_E + f"fit.estimate.xǁ_Preparedǁ_cpu_only__mutmut_{n}":
       "the CPU device's index, name and (huge) free memory are never read"
       for n in (18, 19, 26, 27, 28, 29, 31, 32)},
    **{_E + f"fit.estimate.xǁ_Preparedǁ_cpu_only__mutmut_{n}":
       "CPU-only layouts place every layer, so the partial graph metal sets is unused"
       for n in (4, 8)},
    _E + "fit.estimate.x_estimate_fit__mutmut_114": "prep.groups is only tested for truth",
    _E + "fit.estimate.x_estimate_fit__mutmut_200": "zip strict=None is the default",
    _E + "fit.estimate.x_estimate_fit__mutmut_204": "zip without strict: the default",
    _E + "fit.estimate.xǁ_Preparedǁinputs__mutmut_65": "versions are 3-tuples: [:4] == [:3]",
    _E + "fit.estimate.x__devices__mutmut_23": "device names are read from Machine, not Device",
    _E + "fit.estimate.xǁ_Preparedǁlayout__mutmut_25":
        "one GPU: running the group again repeats the single-GPU run",
    _E + "fit.mix.x__choose__mutmut_5":
        "n_gqa / instead of //: x >= 4 exactly when floor(x) >= 4",
    _E + "fit.mix.x_embedding_bytes__mutmut_8": 'tensor_bytes reads "f32" case-blind',
    **{_E + f"fit.explain.x_device_words__mutmut_{n}":
       "a missing total read as None or 0 is falsy alike" for n in (12, 14)},
    **{_E + f"fit.explain.x_context_words__mutmut_{n}":
       "multiples of 1024 return first: the rest are >= 1024 iff > 1024 iff >= 1025"
       for n in (10, 11)},
    **{_E + f"fit.mix.x_embedding_bytes__mutmut_{n}":
       "output and token_embd types never read the layer index or count"
       for n in (12, 13, 24, 34, 35, 46, 50, 51, 62)},
}

# What mutmut's status words mean for the rate: killed (a test failed, or the mutant hung or
# crashed the run) against survived (every selected test passed) or untested (no selected
# test reached the mutated function: a survivor too).
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
SURVIVED = {"survived", "no tests", "suspicious"}


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def stage(module: str, without: list[str]) -> Path:
    mutate, tests = TARGETS[module]
    tests = [t for t in tests if (ROOT / t).exists() and Path(t).name not in without]
    where = ROOT / "build" / "mutation" / module
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for name, target in (("src", "desktop"), ("tests", "tests"), ("bench", "bench")):
        (where / name).symlink_to(ROOT / target, target_is_directory=True)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (where / "shared").symlink_to(shared, target_is_directory=True)
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    config += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list(mutate)}\n"
        'also_copy = ["bench"]\n'
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        f"pytest_add_cli_args = {_toml_list(PYTEST_ARGS)}\n"
        "use_git_change_detection = false\n"
    )
    (where / "pyproject.toml").write_text(config, encoding="utf-8")
    return where


def results(where: Path) -> dict[str, Counter[str]]:
    """Status counts per mutated source file, from ``mutmut results --all true``."""
    out = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "results", "--all", "true"],
        cwd=where, capture_output=True, text=True, check=True,
    ).stdout
    per_file: dict[str, Counter[str]] = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        module = name.partition("__mutmut_")[0]
        module = module.rsplit(".", 1)[0]
        while module.rsplit(".", 1)[-1].startswith(("x_", "xǁ")):
            module = module.rsplit(".", 1)[0]
        status = "equivalent" if name in EQUIVALENT else status.strip()
        per_file.setdefault(module, Counter())[status] += 1
    return per_file


def report(per_file: dict[str, Counter[str]]) -> float:
    killed_all = total_all = 0
    print(f"{'module':45} {'killed':>7} {'total':>6} {'rate':>7}  (equivalent mutants left out)")
    for module, counts in sorted(per_file.items()):
        killed = sum(n for s, n in counts.items() if s in KILLED)
        total = sum(n for s, n in counts.items() if s in KILLED | SURVIVED)
        killed_all += killed
        total_all += total
        rate = 100.0 * killed / total if total else 100.0
        print(f"{module:45} {killed:7d} {total:6d} {rate:6.1f}%")
    rate = 100.0 * killed_all / total_all if total_all else 100.0
    print(f"{'all':45} {killed_all:7d} {total_all:6d} {rate:6.1f}%")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", choices=sorted(TARGETS))
    parser.add_argument("--max-children", type=int, default=1,
                        help="parallel mutants (default 1: the machine is shared)")
    parser.add_argument("--floor", type=float, default=90.0,
                        help="exit 1 when the kill rate of any source file is below this")
    parser.add_argument("--without", action="append", default=[], metavar="TEST_FILE",
                        help="leave this test file out (to measure the rate without it)")
    parser.add_argument("--report-only", action="store_true",
                        help="summarise the last run of this module without running again")
    args = parser.parse_args()
    where = ROOT / "build" / "mutation" / args.module
    if not args.report_only:
        where = stage(args.module, args.without)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        # mutmut redraws a progress line many times a second: keep it out of the terminal.
        log = where / "mutmut-run.log"
        print(f"mutating {args.module} (progress in {log.relative_to(ROOT)})", flush=True)
        with log.open("w", encoding="utf-8") as out:
            run = subprocess.run(
                [str(Path(sys.executable).parent / "mutmut"), "run",
                 "--max-children", str(args.max_children)],
                cwd=where, env=env, check=False, stdout=out, stderr=subprocess.STDOUT,
            )
        if run.returncode not in (0, 1):
            print(f"mutmut run failed with exit status {run.returncode}", file=sys.stderr)
            return run.returncode
    per_file = results(where)
    if not any(sum(c.values()) for c in per_file.values()):
        print("mutmut produced no results", file=sys.stderr)
        return 2
    report(per_file)
    low = []
    for module, counts in sorted(per_file.items()):
        total = sum(n for s, n in counts.items() if s in KILLED | SURVIVED)
        killed = sum(n for s, n in counts.items() if s in KILLED)
        if total and 100.0 * killed / total < args.floor:
            low.append(module)
    if low:
        print(f"under {args.floor:g} %: {', '.join(low)}  (survivors: "
              f"cd {where.relative_to(ROOT)} && mutmut results; mutmut show NAME)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
