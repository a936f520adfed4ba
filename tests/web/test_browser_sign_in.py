"""Browser tests of password sign-in: a person signs in with a username and password, a wrong
password is shown at the field, and the sign-in page passes axe at desktop and phone widths
(screenshots ``40-sign-in-*``)."""

from __future__ import annotations

from typing import Any

from tests.web.test_browser import DESKTOP, PHONE, Site, axe_check, no_sideways_scroll, shoot, site

__all__ = ["site"]  # the module-scoped server and browser of tests/web/test_browser.py

PASSWORD = "a long and memorable passphrase"


def _user(site: Site) -> str:
    p = site.service.accounts.authenticate(site.keys["doc"])
    site.service.accounts.set_password(p.id, "maria.chen", PASSWORD)
    return str(p.id)


def _page(site: Site, viewport: dict[str, int]) -> Any:
    page = site.browser.new_context(viewport=viewport, bypass_csp=True).new_page()
    page.set_default_timeout(15_000)
    page.goto(site.base + "/sign-in?next=/queue")
    return page


def test_a_person_signs_in_with_username_and_password(site: Site) -> None:
    _user(site)
    page = _page(site, DESKTOP)
    axe_check(page, "sign-in")
    shoot(page, "40-sign-in-desktop")
    page.get_by_label("Username").fill("maria.chen")
    page.get_by_label("Password").fill("not the passphrase")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    assert "username or password is not right" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Username").input_value() == "maria.chen"  # kept; the password is not
    assert page.get_by_label("Password").input_value() == ""
    axe_check(page, "sign-in with an error")
    shoot(page, "41-sign-in-error-desktop")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(site.base + "/queue")
    assert "Dr Maria Chen" in page.locator("body").inner_text()
    page.context.close()


def test_the_sign_in_page_on_a_phone(site: Site) -> None:
    page = _page(site, PHONE)
    axe_check(page, "sign-in, phone")
    no_sideways_scroll(page)
    shoot(page, "42-sign-in-phone")
    page.context.close()


def test_single_sign_on_in_the_browser(site: Site, monkeypatch: Any) -> None:
    from mednec.store import identities
    from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

    provider = Provider()
    try:
        monkeypatch.setenv("MEDNEC_OIDC_ISSUER", provider.issuer)
        monkeypatch.setenv("MEDNEC_OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("MEDNEC_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        doc = site.service.accounts.authenticate(site.keys["doc"])
        identities.link(site.service.db, doc.id, provider.issuer, provider.subject, now=site.service.now())
        for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page = _page(site, viewport)
            axe_check(page, f"sign-in with single sign-on, {suffix}")
            no_sideways_scroll(page)
            shoot(page, f"43-sign-in-sso-{suffix}")
            page.get_by_role("link", name="Sign in with your organisation's account").click()
            page.wait_for_url(site.base + "/queue")
            assert "Dr Maria Chen" in page.locator("body").inner_text()
            page.context.close()
    finally:
        provider.close()
