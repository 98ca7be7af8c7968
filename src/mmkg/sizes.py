"""Model sizes as people write them: ``7B``, ``350M``, ``1.5B``, or a plain integer."""

from __future__ import annotations

import re

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMbBtT]?)\s*$")
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}


def parse_size(text: str) -> int:
    """``"10B"`` -> 10_000_000_000; raises ``ValueError`` for anything else."""
    found = _SIZE.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a size such as 7B, 350M or 1.5B")
    return int(float(found.group(1)) * _SCALE[found.group(2).lower()])
