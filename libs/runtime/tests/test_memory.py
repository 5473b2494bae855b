"""What a service loads at start stays out of the garbage collector's full passes."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import gc
from payrisk_runtime import settle_long_lived

loaded_at_start = [[n] for n in range(200_000)]
garbage = [[n] for n in range(1_000)]
garbage.append(garbage)  # a cycle: only a collection frees it
del garbage
frozen = settle_long_lived()
print(frozen, len(gc.get_objects(generation=2)), gc.collect())
"""


def test_objects_loaded_at_start_are_frozen_and_cycles_left_behind_are_collected_first():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    frozen, in_oldest_generation, collected_after = map(int, done.stdout.split())
    assert frozen >= 200_000
    # A full pass no longer walks them, and the cycle was not frozen with them.
    assert in_oldest_generation < 1_000
    assert collected_after == 0
