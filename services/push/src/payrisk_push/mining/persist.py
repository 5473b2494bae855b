"""The model as bytes for the database: numpy arrays plus JSON, never pickle, so loading runs no code."""

from __future__ import annotations

import io
import json

import numpy as np

from .model import PushModel

FORMAT = 1
_META = "__meta__"


def dump(model: PushModel) -> bytes:
    arrays, meta = model.state()
    encoded = json.dumps({"format": FORMAT, **meta}, ensure_ascii=False).encode()
    out = io.BytesIO()
    arrays[_META] = np.frombuffer(encoded, dtype=np.uint8)
    np.savez(out, **arrays)
    return out.getvalue()


def load(data: bytes) -> PushModel:
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(arrays.pop(_META).tobytes())
    if meta.get("format") != FORMAT:
        raise ValueError(f"unknown push model format {meta.get('format')!r}")
    return PushModel.from_state(arrays, meta)
