"""The landing page and the API docs in a real browser: nothing fetched from another host
(the request events of the browser, not the HTML's text), no refused request, no error.

ReDoc's menu footer always draws a logo from cdn.redoc.ly: the Content-Security-Policy
refused it, but the browser still tried (a request event, and a console error), which
``api/templates/api/redoc.html`` now prevents.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.one_database]

#: Each page, and a piece of text it shows once its script has run.
PAGES = {
    "/": "a[href='/explore/']",
    "/api/docs/": ".swagger-ui .info",
    "/api/redoc/": "[role='menu']",
}


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR"])
@pytest.mark.parametrize("path", list(PAGES))
def test_the_page_asks_nothing_of_another_host_and_nothing_is_refused(
    open_page, site, path, locale
):
    view = open_page(locale=locale)
    failed = []
    view.page.on(
        "response",
        lambda response: response.status >= 400 and failed.append((response.status, response.url)),
    )
    view.page.goto(f"{site['url']}{path}")
    view.page.wait_for_selector(PAGES[path], timeout=30_000)
    view.page.wait_for_load_state("networkidle")
    assert failed == []  # not even a favicon.ico
    # (open_page then asserts: no request to another host, no console error)


def test_redoc_hides_its_footer_link_to_redocly(open_page, site):
    """The template's rule lost to ReDoc's own (``display: flex``) until made !important."""
    view = open_page()
    view.page.goto(f"{site['url']}/api/redoc/")
    view.page.wait_for_selector(PAGES["/api/redoc/"], timeout=30_000)
    shown = view.page.evaluate(
        """() => [...document.querySelectorAll("a")]
            .filter((a) => a.href.includes("redocly.com"))
            .map((a) => getComputedStyle(a).display)"""
    )
    assert shown and set(shown) == {"none"}, shown
