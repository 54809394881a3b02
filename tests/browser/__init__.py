"""Browser tests (Playwright and Chromium); see conftest.py."""
