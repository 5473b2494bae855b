"""How the garbage collector runs in a push process.

Mining makes objects by the hundred thousand a page (bills, their words and keys), most of them alive until the
page is learnt. At the default thresholds each page set off young collections that promoted them, and every
few pages a full collection walked the whole model: a quarter of mining's time went there. Serving requests
makes no such growth (what a request makes dies with it), so a larger young generation costs requests nothing.
"""

from __future__ import annotations

import gc

# Net new container objects before a young collection (the default is 700).
YOUNG_THRESHOLD = 20_000


def settle() -> None:
    """Once started: what exists lives as long as the process (the libraries, the loaded model and its view),
    so it is kept out of every later collection, and young collections wait for more objects."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
