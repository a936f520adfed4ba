"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server.

The server runs the application on a free loopback port in a thread of this process, on a
temporary SQLite database with one user per role. Each page is also checked with axe-core
(vendored in ``vendor/``; no serious or critical violations of WCAG 2.1 A/AA) and saved as a
screenshot under ``artifacts/screenshots/`` (git-ignored) at desktop and phone widths.

The tests skip only when ``/usr/bin/chromium`` is missing (``.ci/run`` installs it).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import USERS, Clock, example

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="browser tests need Debian's chromium at /usr/bin/chromium (apt-get install -y chromium; .ci/run does it)",
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text("utf-8")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
QUESTION = ("Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, IPSS-R low, normal karyotype, "
            "no del(5q), SF3B1-mutated, Hb 8.1 g/dL, EPO 210, needing 2 units every 2 weeks, ESA-naive, "
            "not for immediate correction of anemia?")


@dataclass
class Site:
    base: str
    keys: dict[str, str]
    service: Any
    browser: Any

    def page(self, who: str | None, viewport: dict[str, int] = DESKTOP) -> Any:
        """A new browser context (its own cookies) for ``who``, signed in through the form."""
        ctx = self.browser.new_context(viewport=viewport, bypass_csp=True)  # bypass only so axe can be injected
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        if who is not None:
            page.goto(self.base + "/sign-in")
            page.get_by_label("API key").fill(self.keys[who])
            page.get_by_role("button", name="Sign in with the key").click()
            page.wait_for_load_state()
        return page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn
    from playwright.sync_api import sync_playwright

    from mednec.api import Settings, create_app
    from mednec.runtime import default_runtime

    db = tmp_path_factory.mktemp("browser") / "web.db"
    app = create_app(Settings(database_url=f"sqlite:///{db}", runtime=default_runtime(), now=Clock()))
    service = app.state.service
    keys = {}
    for who, org, role, name in USERS:
        keys[who] = service.accounts.create_key(service.accounts.add_user(org, name, role).id)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield Site(f"http://127.0.0.1:{port}", keys, service, browser)
        finally:
            browser.close()
            server.should_exit = True
            thread.join(timeout=10)
            app.state.db.dispose()


def shoot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_check(page: Any, name: str) -> None:
    """No serious or critical WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})")
    bad = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5]}
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{name}: accessibility violations\n{json.dumps(bad, indent=1)}"


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 1, f"the page scrolls sideways by {width}px"


def _answer_for(site: Site, who: str, name: str, drug: str = "luspatercept") -> str:
    p = site.service.accounts.authenticate(site.keys[who])
    case = site.service.cases.create_case(p, example(name), title=example(name).get("title", ""))
    return str(site.service.cases.evaluate(p, case.id, drug=drug).id)


def test_ask_a_question_and_get_the_right_answer(site: Site) -> None:
    page = site.page("req")
    page.goto(site.base + "/ask")
    axe_check(page, "ask")
    shoot(page, "01-ask-question")
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Read my question").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="What I understood").is_visible()
    assert page.locator("#drug").input_value() == "luspatercept-aamt"
    assert page.locator("#f\\.hemoglobin").input_value() == "8.1"
    axe_check(page, "understood")
    shoot(page, "02-what-i-understood")
    page.get_by_role("button", name="Evaluate and submit for review").click()
    page.wait_for_url(re.compile(r"/answers/ev_"))
    assert page.locator(".verdict-word").inner_text().startswith("Meets criteria")
    assert "Reblozyl" in page.locator("h1").inner_text()
    assert page.locator(".review-widget li[aria-current='step']").inner_text().startswith("Submitted")
    axe_check(page, "answer")
    shoot(page, "03-answer-clinician")
    page.context.close()


def test_case_form_bad_value_shows_the_message_at_the_field(site: Site) -> None:
    page = site.page("req")
    page.goto(site.base + "/ask?mode=case")
    axe_check(page, "case form")
    page.select_option("#drug", "luspatercept-aamt")
    page.locator("#f\\.hemoglobin").fill("81")
    page.locator("#f\\.serum_epo").fill("two hundred")
    page.get_by_role("button", name="Evaluate and submit for review").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "hemoglobin" in summary.inner_text()
    message = page.locator("#field-hemoglobin .error-message")
    assert message.is_visible() and "not a plausible hemoglobin" in message.inner_text()
    assert page.locator("#f\\.hemoglobin").get_attribute("aria-invalid") == "true"
    assert page.locator("#field-serum_epo .error-message").is_visible()
    # the summary link takes the keyboard to the field
    summary.get_by_role("link", name=re.compile("hemoglobin")).click()
    assert page.evaluate("() => document.activeElement.id") == "f.hemoglobin" or page.url.endswith("#f.hemoglobin")
    axe_check(page, "case form with errors")
    page.locator("#field-hemoglobin").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "04-case-form-error.png"))
    page.context.close()


def test_follow_a_citation(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-first-line.yaml")
    page = site.page("req")
    page.goto(f"{site.base}/answers/{ev}")
    link = page.locator("article sup.cite a").first
    target = link.get_attribute("href")
    assert target and target.startswith("#ref-")
    link.click()
    page.wait_for_function("h => location.hash === h", arg=target)
    ref = page.locator(f"li{target}")
    assert ref.is_visible()
    # the browser scrolls (smoothly) until the reference is in view
    page.wait_for_function("id => { const r = document.getElementById(id).getBoundingClientRect(); "
                           "return r.top >= 0 && r.top < window.innerHeight; }", arg=target[1:], timeout=5000)
    assert len(ref.inner_text()) > 20
    shoot_viewport = SHOTS / "23-citation-followed.png"
    page.screenshot(path=str(shoot_viewport))
    page.context.close()


def test_ask_a_follow_up(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-first-line.yaml")
    page = site.page("req")
    page.goto(f"{site.base}/answers/{ev}")
    page.get_by_label("Your follow-up question").fill("What if the serum EPO were 650 mU/mL?")
    page.locator("#follow-up").get_by_role("button", name="Ask").click()
    page.wait_for_load_state()
    banner = page.locator(".preview-banner")
    assert "Serum erythropoietin: 210 mU/mL → 650 mU/mL" in banner.inner_text()
    axe_check(page, "what-if")
    shoot(page, "05-follow-up-what-if")
    page.get_by_role("button", name="Submit this as a new request").click()
    page.wait_for_url(re.compile(r"/answers/ev_"))
    assert ev not in page.url and page.locator(".preview-banner").count() == 0
    page.context.close()


def test_reviewer_approves_and_the_requester_sees_approved(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-first-line.yaml")
    doc = site.page("doc")
    doc.goto(site.base + "/queue")
    axe_check(doc, "queue")
    shoot(doc, "06-review-queue")
    row = doc.locator("tr", has=doc.locator(f"a[href='/answers/{ev}']"))
    row.get_by_role("button", name=re.compile("Claim")).click()
    doc.wait_for_url(re.compile(f"/answers/{ev}"))
    assert "You claimed this request" in doc.locator(".flash").inner_text()
    doc.get_by_text("Approve: coverage approved").click()
    axe_check(doc, "reviewer answer")
    shoot(doc, "07-reviewer-actions")
    doc.get_by_role("button", name="Approve", exact=True).click()
    doc.wait_for_load_state()
    req = site.page("req")
    req.goto(f"{site.base}/answers/{ev}")
    widget = req.locator(".review-widget")
    assert "Approved by Dr Maria Chen" in widget.inner_text()
    assert req.locator(".review-widget li.done").count() == 3
    shoot(req, "08-requester-sees-approved")
    doc.context.close()
    req.context.close()


def test_patient_audience_page(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-first-line.yaml")
    page = site.page("req")
    page.goto(f"{site.base}/answers/{ev}")
    page.get_by_role("radio", name="Patient", exact=True).check()  # switches at once (progressive enhancement)
    page.wait_for_url(re.compile("audience=patient"))
    assert "right medicine for you" in page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="What was decided").is_visible()
    axe_check(page, "patient answer")
    shoot(page, "09-answer-patient")
    page.context.close()
    phone = site.page("req", PHONE)
    phone.goto(f"{site.base}/answers/{ev}?audience=patient")
    no_sideways_scroll(phone)
    axe_check(phone, "patient answer, phone")
    shoot(phone, "10-answer-patient-phone")
    phone.context.close()


def test_other_pages_are_accessible_and_fit_a_phone(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-missing-epo.yaml")
    pages = [(None, "/", "11-home"), (None, "/sign-in", "12-sign-in"), (None, "/about", "13-about"),
             (None, "/editorial-policy", "14-editorial-policy"), ("author", "/library", "15-policies"),
             ("author", "/library/luspatercept-mds", "16-policy"), ("req", "/ask?mode=upload", "17-upload"),
             ("req", f"/answers/{ev}?audience=payer", "18-answer-payer-insufficient"),
             ("author", "/queue", "19-forbidden"), ("auditor", "/audit-log?verify=1", "24-audit-log"),
             ("auditor", "/metrics", "25-metrics")]
    for who, path, name in pages:
        page = site.page(who)
        page.goto(site.base + path)
        axe_check(page, path)
        shoot(page, name)
        page.context.close()
    for who, path, name in [("req", f"/answers/{ev}", "20-answer-phone"), ("doc", "/queue", "21-queue-phone"),
                            ("req", "/ask?mode=case", "22-case-form-phone"),
                            ("auditor", "/audit-log?verify=1", "26-audit-log-phone"),
                            ("auditor", "/metrics", "27-metrics-phone")]:
        page = site.page(who, PHONE)
        page.goto(site.base + path)
        no_sideways_scroll(page)
        shoot(page, name)
        page.context.close()


def test_every_page_at_both_widths(site: Site) -> None:
    """Issue 18, done when: every page looked at as a screenshot at desktop and phone width, and axe
    finds no serious violation at either width (no page scrolls sideways on a phone)."""
    ev = _answer_for(site, "req", "luspatercept-missing-epo.yaml")
    ldl = _answer_for(site, "req", "repatha-ascvd.yaml", drug="evolocumab")
    case = site.service.cases.get_evaluation(site.service.accounts.authenticate(site.keys["req"]), ldl).case_id
    pages = [(None, "/"), (None, "/sign-in"), (None, "/about"), (None, "/editorial-policy"),
             (None, "/editorial-policy/decisions/mednec-mds-decisions"), (None, "/drugs"),
             (None, "/drugs/luspatercept/mds?audience=patient"), (None, "/public/ask"),
             (None, "/no-such-page"),
             ("req", "/ask"), ("req", "/ask?mode=upload"), ("req", "/ask?mode=case"), ("req", "/queue"),
             ("req", f"/answers/{ev}?audience=clinician"), ("req", f"/answers/{ev}?audience=patient"),
             ("req", f"/answers/{ev}/summary"), ("req", f"/answers/{ev}/documents/article?format=html&audience=clinician"),
             ("req", f"/answers/{ev}/documents/info-request?format=html&audience=clinician"),
             ("req", f"/cases/{case}/payer-variants?drug=evolocumab"),
             ("doc", "/queue"), ("doc", f"/answers/{ev}?audience=payer"),
             ("author", "/library"), ("author", "/library/luspatercept-mds"), ("author", "/queue"),
             ("auditor", "/audit-log"), ("auditor", "/metrics")]
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        for who in dict.fromkeys(w for w, _ in pages):
            page = site.page(who, viewport)
            for w, path in pages:
                if w != who:
                    continue
                page.goto(site.base + path)
                name = f"{who or 'anyone'} {path}"
                axe_check(page, name + suffix)
                if viewport is PHONE:
                    no_sideways_scroll(page)
                slug = re.sub(r"[^a-z0-9]+", "-", f"{who or 'anyone'}{path}".replace(ev, "ev").replace(case, "case"))
                shoot(page, f"50-{slug}{suffix}")
            page.context.close()


def test_keyboard_skip_link_and_visible_focus(site: Site) -> None:
    page = site.page("req")
    page.goto(site.base + "/ask")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle + '|' + "
                            "getComputedStyle(document.activeElement).backgroundColor")
    assert outline != "none|rgba(0, 0, 0, 0)"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.context.close()


def test_the_server_clock_is_the_tests(site: Site) -> None:
    assert site.service.now() == dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _decide(site: Site, name: str, action: str, **kw: str) -> str:
    ev = _answer_for(site, "req", name)
    doc = site.service.accounts.authenticate(site.keys["doc"])
    site.service.reviews.act(doc, ev, "claim")
    site.service.reviews.act(doc, ev, action, **kw)
    return ev


@pytest.mark.parametrize(("name", "action", "kw", "word", "tone"), [
    ("luspatercept-first-line.yaml", "approve", {}, "Approved", "success"),
    ("luspatercept-missing-epo.yaml", "overturn", {"decision": "approved", "reason": "EPO on file"}, "Approved",
     "success"),
    ("luspatercept-del5q.yaml", "approve", {"signature": "Maria Chen, MD"}, "Denied", "danger"),
])
def test_the_decision_comes_first(site: Site, name: str, action: str, kw: dict[str, str], word: str,
                                  tone: str) -> None:
    ev = _decide(site, name, action, **kw)
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = site.page("req", viewport)
        page.goto(f"{site.base}/answers/{ev}")
        card = page.locator(".decision-card")
        assert card.is_visible() and card.get_attribute("class").endswith(f"tone-{tone}")
        assert card.locator(".decision-word").inner_text() == word
        # the decision is above the recommendation, and in the first screen
        box = card.bounding_box()
        rec = page.get_by_role("heading", name="Recommendation at submission").bounding_box()
        assert box["y"] < rec["y"] and box["y"] < viewport["height"]
        if word == "Denied":
            assert "Approved" not in page.locator(".decision-card").inner_text()
        axe_check(page, f"decided answer {action} {word}{suffix}")
        no_sideways_scroll(page)
        shoot(page, f"30-decided-{action}-{word.lower()}{suffix}")
        page.context.close()


def test_the_answer_page_is_short_and_actions_come_first_on_a_phone(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-missing-epo.yaml")
    heights = {}
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = site.page("req", viewport)
        page.goto(f"{site.base}/answers/{ev}")
        heights[suffix] = page.evaluate("() => document.documentElement.scrollHeight")
        verdict = page.locator(".verdict-card").bounding_box()
        docs = page.locator("#documentation-actions").bounding_box()
        article = page.locator("article.article").bounding_box()
        assert verdict["y"] < docs["y"] < article["y"] or viewport is DESKTOP
        # the criteria summary: counts, what is unknown open, what is met folded
        summary = page.locator(".criteria-summary")
        assert re.search(r"\d+ met · \d+ not met · \d+ unknown", summary.inner_text())
        assert page.locator(".crit-unknown").get_attribute("open") is not None
        assert page.locator(".crit-met").get_attribute("open") is None
        # the long sections are folded; a citation opens its reference
        assert page.locator("details.art-sec[open]").count() == 0
        no_sideways_scroll(page)
        axe_check(page, f"short answer{suffix}")
        shoot(page, f"31-answer-short{suffix}")
        page.context.close()
    assert heights[""] < 6000 and heights["-phone"] < 12000, heights
    page = site.page("req")
    page.goto(f"{site.base}/answers/{ev}/summary")
    axe_check(page, "one-page summary")
    page.emulate_media(media="print")
    assert page.pdf(format="A4") and page.evaluate("() => document.documentElement.scrollHeight") < 1400
    shoot(page, "32-one-page-summary")
    page.context.close()


def test_attach_the_missing_document_and_see_the_answer_again(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-missing-epo.yaml")
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = site.page("req", viewport)
        page.goto(f"{site.base}/answers/{ev}")
        if suffix:
            page.get_by_label("Attach the missing document").set_input_files(
                files=[{"name": "epo.txt", "mimeType": "text/plain",
                        "buffer": b"Serum erythropoietin 210 mU/mL (drawn 2026-10-02)."}])
            page.get_by_role("button", name="Attach and evaluate again").click()
            page.wait_for_url(re.compile("done=attach"))
            assert "Document attached" in page.locator(".flash").inner_text()
            assert "attached a document" in page.locator(".history").inner_text()
        axe_check(page, f"attach{suffix}")
        no_sideways_scroll(page)
        shoot(page, f"33-attach{suffix}")
        page.context.close()


def test_reviewer_details_fold_open_for_a_reviewer_only(site: Site) -> None:
    ev = _answer_for(site, "req", "luspatercept-missing-epo.yaml")
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = site.page("doc", viewport)
        page.goto(f"{site.base}/answers/{ev}")
        details = page.locator("#reviewer-details")
        assert details.get_attribute("open") is None
        assert not page.get_by_text("no_del5q", exact=True).is_visible()
        details.locator("summary").click()
        assert details.get_attribute("open") is not None
        assert page.get_by_text("no_del5q", exact=True).is_visible()
        axe_check(page, f"reviewer details{suffix}")
        no_sideways_scroll(page)
        details.scroll_into_view_if_needed()
        shoot(page, f"38-reviewer-details{suffix}")
        details.screenshot(path=str(SHOTS / f"38-reviewer-details-open{suffix}.png"))
        page.context.close()
    page = site.page("req")
    page.goto(f"{site.base}/answers/{ev}")
    assert page.locator("#reviewer-details").count() == 0
    page.context.close()


def test_the_api_reference_works_offline(site: Site) -> None:
    page = site.browser.new_context(viewport=DESKTOP).new_page()  # the page's own CSP applies
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(site.base) else None)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site.base + "/docs")
    page.wait_for_selector(".opblock", timeout=15_000)  # the operations are listed
    assert page.locator(".opblock").count() > 10
    assert not outside, outside
    assert not [e for e in errors if "Content Security Policy" in e], errors
    shoot(page, "34-api-docs")
    page.context.close()


def test_public_pages_without_signing_in(site: Site) -> None:
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = site.page(None, viewport)
        page.goto(site.base + "/drugs")
        axe_check(page, f"drugs{suffix}")
        page.get_by_role("link", name=re.compile("Luspatercept")).first.click()
        page.wait_for_url(re.compile("/drugs/luspatercept/mds"))
        assert "not a coverage decision" in page.locator(".public-note").inner_text()
        axe_check(page, f"public policy{suffix}")
        no_sideways_scroll(page)
        shoot(page, f"35-public-policy{suffix}")
        page.goto(site.base + "/public/ask")
        page.get_by_label("Your question").fill(QUESTION)
        page.get_by_role("radio", name="Clinician").check()
        page.get_by_role("button", name="Ask", exact=True).click()
        page.wait_for_load_state()
        assert "Meets criteria" in page.locator(".verdict-card").inner_text()
        axe_check(page, f"public answer{suffix}")
        no_sideways_scroll(page)
        shoot(page, f"36-public-answer{suffix}")
        page.context.close()


def test_check_before_submit_in_a_few_key_presses(site: Site) -> None:
    for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page = site.page("req", viewport)
        page.goto(site.base + "/ask")
        page.get_by_label("Your question").fill(QUESTION)
        page.get_by_role("button", name=re.compile("^(Continue|Ask|Read)")).first.click()
        page.wait_for_load_state()
        check = page.locator(".check-card")
        assert "Likely answer" in check.inner_text() and check.bounding_box()["y"] < viewport["height"] * 1.5
        page.locator("body").focus()
        presses = 0
        while presses < 40:
            page.keyboard.press("Tab")
            presses += 1
            if page.evaluate("() => document.activeElement.textContent.trim()") == "Evaluate and submit now":
                break
        assert presses <= 20, presses
        axe_check(page, f"understood{suffix}")
        no_sideways_scroll(page)
        shoot(page, f"37-understood{suffix}")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile("/answers/"))
        page.context.close()
