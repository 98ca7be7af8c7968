"""Screenshots of the network view for the README, made from the current graph in headless
Chromium: the opening view and a seed view (--focus CLIP). Writes docs/img/*.png.

Run: python docs/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    from browser import chromium, open_page

    from mmkg.builder import open_built
    from mmkg.viz import write_html

    store = open_built()
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    views = {"network-opening.png": {}, "network-clip.png": {"focus": "CLIP", "title": "Lineage of CLIP"}}
    with tempfile.TemporaryDirectory() as tmp, chromium() as browser:
        for name, options in views.items():
            page_file = write_html(Path(tmp) / "view.html", store=store, **options)
            page, errors, outside = open_page(browser, page_file.as_uri(), viewport=(1400, 800))
            assert not errors and not outside, (errors, outside)
            page.screenshot(path=str(out / name))
            page.close()
            print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
