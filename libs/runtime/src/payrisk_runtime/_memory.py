"""Keeping the garbage collector's full passes short in a long-running server.

A service loads a lot at start (protobuf descriptors, models, compiled kernels, caches): hundreds of thousands
of objects that live as long as the process. Left in the collector's oldest generation, every full pass walks
them all; on a small machine that is a pause of a tenth of a second or more, felt by every call in flight.
Frozen once they are loaded, they are left out of the collector's passes; reference counting still frees them
when they go.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger("payrisk.memory")


def settle_long_lived() -> int:
    """Collect what start-up left behind, then freeze what remains. Returns how many objects were frozen.

    Call it once what a process keeps for its lifetime is loaded (after start, after a new model); calling
    it again freezes only what has come since.
    """
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.debug("%d long-lived objects left out of garbage collection", frozen)
    return frozen
