"""Compiled tree inference: the LightGBM model turned into C by treelite/tl2cgen and built with gcc.

About twice as fast as LightGBM's own predict here. It is only ever used after it has given exactly
LightGBM's outputs on the model's probe rows.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from .artefact import Floats

logger = logging.getLogger("payrisk.risk.model")
# Batches of at most this many rows are predicted row by row through the library's own entry point: for so
# few rows, the runtime's matrix and call cost several times what the trees do.
ROW_BY_ROW_UP_TO = 8
# What the library's rows are made of: one `union Entry {int missing; double fvalue;}` per feature, the
# union's int (its first four bytes) set to -1 where the feature is missing.
_MISSING = -1


class CompiledPredictor:
    def __init__(self, library: Path) -> None:
        import tl2cgen

        self._tl2cgen = tl2cgen
        # One thread: the service runs many batches side by side already.
        self._predictor = tl2cgen.Predictor(str(library), nthread=1, verbose=False)
        self._row = _row_entry_point(ctypes.CDLL(str(library)))
        # Used once it has been seen to give the runtime's scores (load_verified).
        self.row_by_row = False

    def predict(self, features: Floats) -> Floats:
        if self.row_by_row and len(features) <= ROW_BY_ROW_UP_TO:
            return self.predict_rows(features)
        out = self._predictor.predict(self._tl2cgen.DMatrix(features, dtype="float64"))
        scores: Floats = np.asarray(out, dtype=np.float64).reshape(-1)
        return scores

    def predict_rows(self, features: Floats) -> Floats:
        """The same scores, one call of the library per row (None of the runtime in between)."""
        if self._row is None:
            raise RuntimeError("the library has no row entry point this predictor knows")
        entries = np.array(features, dtype=np.float64, order="C", copy=True)
        words = entries.view(np.int32).reshape(*entries.shape, 2)
        words[..., 0][np.isnan(features)] = _MISSING  # little-endian: the union's int is the low word
        scores = np.zeros(len(entries))  # the library adds its trees into the result
        row, base, stride, out = self._row, entries.ctypes.data, entries.strides[0], scores.ctypes.data
        for r in range(len(entries)):
            row(base + r * stride, 0, out + 8 * r)
        return scores


def _row_entry_point(library: ctypes.CDLL) -> Any:
    """`void predict(union Entry* row, int pred_margin, double* result)`, when the library is the kind that
    has it: one target, one class, float64 thresholds and leaves."""
    try:
        library.get_num_target.restype = ctypes.c_int32
        classes = ctypes.c_int32(0)
        library.get_num_class(ctypes.byref(classes))
        library.get_threshold_type.restype = library.get_leaf_output_type.restype = ctypes.c_char_p
        kind = (
            library.get_num_target(),
            classes.value,
            library.get_threshold_type(),
            library.get_leaf_output_type(),
        )
        row = library.predict
    except AttributeError:
        return None
    if kind != (1, 1, b"float64", b"float64"):
        return None
    row.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    row.restype = None
    return row


def compile_model(booster: lgb.Booster, library: Path) -> bool:
    """Writes the model's shared library to `library`; False (and a warning) when it cannot be built."""
    try:
        import tl2cgen
        import treelite

        model = treelite.frontend.from_lightgbm(booster)
        tl2cgen.export_lib(
            model,
            toolchain="gcc",
            libpath=str(library),
            params={"parallel_comp": 8},
            nthread=2,
            verbose=False,
        )
    except Exception:
        logger.warning("compiled inference unavailable; LightGBM's own predict will serve", exc_info=True)
        return False
    return True


def load_verified(library: Path, probe: Floats, expected: Floats) -> CompiledPredictor | None:
    """The compiled predictor, if it loads and reproduces LightGBM's scores exactly; None otherwise."""
    try:
        predictor = CompiledPredictor(library)
        outputs = predictor.predict(probe)
    except Exception:
        logger.warning(
            "compiled model %s does not load; LightGBM's own predict will serve", library, exc_info=True
        )
        return None
    if outputs.shape != expected.shape or not np.array_equal(outputs, expected):
        logger.warning(
            "compiled model %s disagrees with LightGBM; LightGBM's own predict will serve", library
        )
        return None
    try:
        predictor.row_by_row = np.array_equal(predictor.predict_rows(probe), expected)
    except RuntimeError:
        predictor.row_by_row = False
    if not predictor.row_by_row:
        logger.info("compiled model %s predicts small batches through its runtime", library)
    return predictor
