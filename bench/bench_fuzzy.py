"""Palette matching: time to rank 1,000 model names per keystroke.

Types "qwen7", "l31q4" and "q4km" one character at a time (13 keystrokes, each ranks the
whole list as the palette does); reports the median and worst keystroke over 7 rounds.
Target: median < 16 ms (one frame at 60 Hz) on the reference machine.
"""

from __future__ import annotations

import statistics
import time

from quantdesk.core.fuzzy import fuzzy_rank

FAMILIES = ["llama3.1", "llama3.2", "qwen2.5", "qwen2.5-coder", "mistral", "gemma2", "phi3",
            "deepseek-r1", "codeqwen", "mixtral"]
SIZES = ["1b", "3b", "7b", "8b", "14b", "32b", "70b"]
QUANTS = ["q2_K", "q3_K_M", "q4_0", "q4_K_M", "q5_K_M", "q6_K", "q8_0", "fp16"]
WORDS = ["qwen7", "l31q4", "q4km"]


def names(n: int = 1000) -> list[str]:
    out = []
    for i in range(n):
        family = FAMILIES[i % len(FAMILIES)]
        size = SIZES[(i // len(FAMILIES)) % len(SIZES)]
        quant = QUANTS[(i // 70) % len(QUANTS)]
        out.append(f"{family}:{size}-instruct-{quant}" if i % 3 else f"{family}-{i}:{size}")
    return out


def keystrokes(rounds: int = 7) -> list[float]:
    catalog = names()
    samples = []
    for _ in range(rounds):
        for word in WORDS:
            for end in range(1, len(word) + 1):
                t0 = time.perf_counter()
                fuzzy_rank(word[:end], catalog)
                samples.append(time.perf_counter() - t0)
    return samples


def main() -> None:
    samples = keystrokes()
    hits = len(fuzzy_rank("qwen7", names()))
    print(f"fuzzy palette on 1,000 names: median {statistics.median(samples) * 1000:.2f} ms "
          f"per keystroke, worst {max(samples) * 1000:.2f} ms over {len(samples)} keystrokes "
          f"(\"qwen7\" matches {hits}; target < 16 ms)")


if __name__ == "__main__":
    main()
