"""The unit of features that compare amounts or counts on a log scale: a factor of two."""

from __future__ import annotations

import math

LOG2 = math.log(2.0)
