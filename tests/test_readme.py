"""The README's Python section runs as written, on the real graph."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_a_python_section() -> None:
    assert python_blocks(), "the README lost its Python examples"


@pytest.mark.java
def test_readme_python_examples_run(real_build: Path, use_build) -> None:  # type: ignore[no-untyped-def]
    use_build(real_build)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, block in enumerate(python_blocks()):
        test = parser.get_doctest(block, {}, f"README python block {i + 1}", "README.md", 0)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{result.failed} README examples failed"
