"""The pages speak to every pack, and lay out level (helper docs7, screenshots at 1280 and 390 px).

Seen: the Ask page's examples were all MDS questions; a Wegovy answer's follow-up box suggested
"What if the serum EPO were 600 mU/mL?" or "What about imetelstat?"; the policy library mixed the
three packs' drugs in one alphabetical grid (alirocumab, bempedoic acid, darbepoetin, dulaglutide,
...), with every card but the first pushed 1rem down by the stacked-card margin; the audience choices
on the Ask page began beside their hint (Clinician on the hint's line, the other two under it).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from mednec.runtime import default_runtime

from .conftest import Web, text_of

CSS = Path(__file__).resolve().parents[2] / "src" / "mednec" / "web" / "static" / "app.css"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_ask_page_has_an_example_of_every_pack(web: Web) -> None:
    html = web.client("req").get("/ask").text
    examples = re.findall(r'data-example="([^"]+)"', html)
    rt = default_runtime()
    packs = set()
    for e in examples:
        for policy in rt.catalog.policies():
            names = [policy.drug.generic, *policy.drug.brands]
            if any(re.search(rf"\b{re.escape(n)}\b", e, re.I) for n in names):
                packs.add(rt.catalog.pack_of(policy).id)
    assert packs == {"mds_anemia", "glp1_weight_diabetes", "ldl_lowering"}, examples


def test_library_groups_policies_by_pack(web: Web) -> None:
    html = web.client("req").get("/library").text
    rt = default_runtime()
    sections = re.findall(r'<section class="library-pack"[^>]*>\s*<h2[^>]*>([^<]+)</h2>(.*?)</section>', html, re.S)
    assert len(sections) == 3
    for title, body in sections:
        ids = re.findall(r'href="/library/([^"]+)"', body)
        assert ids, title
        assert {rt.catalog.pack_of(rt.catalog.policy(i)).title for i in ids} == {title.replace("&amp;", "&")}
    # headings go h1 > h2 (pack) > h3 (drug), none skipped
    assert re.search(r'<li class="card">\s*<h3>', html)


def _answer(web: Web, example: str, drug: str) -> str:
    case = yaml.safe_load((EXAMPLES / example).read_text())
    ev = web.submit_case("req", case, drug)
    return web.client("req").get(f"/answers/{ev}").text


def test_follow_up_example_is_in_the_answers_pack(web: Web) -> None:
    wegovy = text_of(_answer(web, "wegovy-weight-adult.yaml", "Wegovy"))
    assert "What about Zepbound?" in wegovy and "serum EPO" not in wegovy.split("Have a follow-up question?")[1]
    repatha = text_of(_answer(web, "repatha-ascvd.yaml", "Repatha"))
    assert "What if the LDL-C were 60 mg/dL?" in repatha
    reblozyl = text_of(_answer(web, "luspatercept-first-line.yaml", "Reblozyl"))
    assert "What if the serum EPO were 600 mU/mL?" in reblozyl


def test_follow_up_that_changes_nothing_suggests_the_packs_own_example(web: Web) -> None:
    case = yaml.safe_load((EXAMPLES / "repatha-ascvd.yaml").read_text())
    ev = web.submit_case("req", case, "Repatha")
    page = text_of(web.client("req").get(f"/answers/{ev}/follow-up", params={"q": "hello there"}).text)
    assert "I did not find a drug or a fact to change" in page
    flash = page.split("I did not find a drug or a fact to change")[1].split("?”", 2)
    assert "What about Leqvio" in flash[1] and "imetelstat" not in "".join(flash[:2])


def test_layout_rules_for_hint_lines_and_card_grids() -> None:
    css = CSS.read_text()
    assert re.search(r"\.radios > \.hint[^{]*\{[^}]*flex-basis: 100%", css)
    card_margin = css.index(".card + .card")
    grid_reset = css.index(".cards > .card { margin-top: 0; }")
    assert grid_reset > card_margin  # the later rule of equal specificity wins
