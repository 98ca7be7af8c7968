"""mmkg: a knowledge graph of large-scale multi-modal pre-trained models.

The public API is a few verbs, imported lazily so ``import mmkg`` does no work:

>>> import mmkg
>>> callable(mmkg.build)
True
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "build": "mmkg.builder",
    "check": "mmkg.api",
    "query": "mmkg.api",
    "show": "mmkg.api",
    "stats": "mmkg.api",
    "resolve": "mmkg.names",
    "lineage_subgraph": "mmkg.subgraph",
    "citation_subgraph": "mmkg.subgraph",
    "export": "mmkg.exporter",
    "render_html": "mmkg.viz",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'mmkg' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
