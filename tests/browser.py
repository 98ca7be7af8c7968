"""Headless Chromium (the system package) driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_page(browser: Any, url: str, *, viewport: tuple[int, int] = (1400, 900)) -> tuple[Any, list[str], list[str]]:
    """Open ``url``; returns the page, console errors, and requests that tried to leave the machine."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def guard(route: Any) -> None:
        req_url = route.request.url
        if req_url.startswith(("file:", "data:", "about:", "http://127.0.0.1", "http://localhost")):
            route.continue_()
        else:
            outside.append(req_url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url)
    page.wait_for_function("window.mmkgReady === true", timeout=30000)
    return page, errors, outside
