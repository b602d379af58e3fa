"""Headless Chromium (Debian's, through Playwright) for the console tests, and screenshots.

No browser is downloaded: Playwright drives the ``chromium`` on the PATH (installed by
``scripts/system-deps.sh``); a machine without it skips the browser tests with that reason.
Screenshots go to ``var/screenshots/`` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Page

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}
"""A common laptop screen, in CSS pixels."""


@asynccontextmanager
async def chromium_page(
    locale: str = "zh-CN", viewport: dict[str, int] | None = None
) -> AsyncIterator[Page]:
    """A fresh page (own cookies) in headless Chromium, :data:`LAPTOP` size by default."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("no chromium on the PATH: run `bash scripts/system-deps.sh` as root")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            context = await browser.new_context(viewport=viewport or LAPTOP, locale=locale)
            yield await context.new_page()
        finally:
            await browser.close()


async def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``var/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
