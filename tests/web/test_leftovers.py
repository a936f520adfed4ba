"""No developer leftovers in what people read (issue 18, item 2): every rendered page and document
is scanned for character offsets, snake_case ids, repository paths and internal research notes.

Criterion ids stay in the JSON and in the reviewer-details toggle (``<details class="reviewer-details">``),
which the scan leaves out; links (href) and URLs are not text people read and are left out too.
"""

from __future__ import annotations

import re

import pytest
import yaml

from tests.render.cases import PACK_CASES, Example, case_path
from tests.web.conftest import Web, csrf_of, example, form_fields, text_of

QUESTION = ("Is Reblozyl medically necessary for a 72-year-old man with MDS-RS, IPSS-R low, normal karyotype, "
            "no del(5q), SF3B1-mutated, Hb 8.1 g/dL, EPO 210, needing 2 units every 2 weeks, ESA-naive, "
            "not for immediate correction of anemia?")
LEFTOVERS = {
    "character offsets": re.compile(r"\[\d+:\d+\]"),
    "snake_case id": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "repository path": re.compile(r"src/mednec|/work/|\bshared/|\bpacks?/|\.ya?ml\b|\.py\b|\.md\b"),
    "internal note": re.compile(r"(?i:not verified|not accessible|unverified|\bTODO\b|FIXME|XXX)|UNCONFIRMED|SECONDARY"),
    "raw Python value": re.compile(r"\[\s*'|\[\s*\"|\{'|\bNone\b|\bTrue\b|\bFalse\b"),
}
_REVIEWER = re.compile(r'<details class="reviewer-details".*?</details>', re.S)


def leftovers(html: str) -> list[str]:
    """The leftovers in the text people read, with some context."""
    text = re.sub(r"https?://\S+|/[a-z0-9/_-]+-decisions", " ", text_of(_REVIEWER.sub(" ", html)))
    found = []
    for kind, rx in LEFTOVERS.items():
        found += [f"{kind}: …{text[max(0, m.start() - 50):m.end() + 30]}…" for m in rx.finditer(text)]
    return found


def test_the_scanner_finds_what_it_should() -> None:
    assert leftovers('<p>Age: 72 (question [38:53] "72-year-old man")</p>')
    assert leftovers("<td>no_del5q</td>") and leftovers("<li>(shared/clinical/x.md)</li>")
    assert leftovers("<p>the label value was not verified</p>") and leftovers("<p>['a', 'b']</p>")
    assert not leftovers('<p>Hemoglobin: 8.1 g/dL (from your question: “Hb 8.1 g/dL”)</p>'
                         '<details class="reviewer-details"><summary>Reviewer details</summary>no_del5q</details>')


def _pages(web: Web) -> dict[str, str]:
    c = web.client("req")
    r = c.post("/ask", data={"csrf": csrf_of(c.get("/ask").text), "question": QUESTION, "audience": "clinician"})
    pages = {"understood": r.text}
    r = c.post("/ask/evaluate", data=form_fields(r.text, "/ask/evaluate"), follow_redirects=False)
    asked = r.headers["location"].split("?")[0]
    missing = "/answers/" + web.submit_case("req", example("luspatercept-missing-epo.yaml"), "luspatercept")
    denied = "/answers/" + web.submit_case("req", example("luspatercept-del5q.yaml"), "luspatercept")
    for ev in (asked, missing, denied):
        for audience in ("clinician", "payer", "patient"):
            pages[f"{ev}?audience={audience}"] = c.get(f"{ev}?audience={audience}").text
    for ev, docs in ((asked, ("article", "letter")), (missing, ("article", "info-request", "request-letter")),
                     (denied, ("article",))):
        for doc in docs:
            for audience in ("clinician", "patient"):
                r = c.get(f"{ev}/documents/{doc}?format=html&audience={audience}")
                assert r.status_code == 200, (ev, doc)
                pages[f"{ev} {doc} {audience}"] = r.text
    policies = [f"/library/{p.id}" for p in web.service.runtime.catalog.policies()]
    for path in ("/", "/ask", "/ask?mode=upload", "/queue", "/about", "/editorial-policy",
                 "/editorial-policy/decisions/mednec-mds-decisions", "/library", *policies):
        r = c.get(path)
        assert r.status_code == 200, path
        pages[path] = r.text
    anon = web.client()
    for path in ("/drugs", "/public/ask", "/drugs/luspatercept/mds?audience=patient",
                 "/drugs/luspatercept/mds?audience=payer", "/drugs/evolocumab/repatha?audience=clinician"):
        pages["public " + path] = anon.get(path).text
    pages["public answer"] = anon.post("/public/ask", data={"csrf": csrf_of(anon.get("/public/ask").text),
                                                            "question": QUESTION, "audience": "clinician"}).text
    doc = web.client("doc")
    pages["reviewer queue"] = doc.get("/queue").text
    pages["reviewer answer"] = doc.get(missing).text
    return pages


def test_no_page_or_document_shows_internals(web: Web) -> None:
    found = {name: hits for name, html in _pages(web).items() if (hits := leftovers(html))}
    assert not found, "\n".join(f"{name}: {hits[:4]}" for name, hits in found.items())


@pytest.mark.parametrize("fmt", ["md"])
def test_documents_in_other_formats_show_no_internals(web: Web, fmt: str) -> None:
    ev = web.submit_case("req", example("luspatercept-first-line.yaml"), "luspatercept")
    r = web.client("req").get(f"/answers/{ev}/documents/letter?format={fmt}")
    assert r.status_code == 200
    assert not leftovers(f"<pre>{r.text}</pre>"), leftovers(f"<pre>{r.text}</pre>")[:5]


@pytest.mark.parametrize(("source", "label", "want"), [
    ('question [38:53] "72-year-old man"', "Age", "from your question: “72-year-old man”"),
    ('note [0:12] "Hb 8.1 g/dL"', "Hemoglobin", "from the note: “Hb 8.1 g/dL”"),
    ('note note [0:12] "Hb 8.1 g/dL"', "Hemoglobin", "from the note: “Hb 8.1 g/dL”"),
    ('note pasted text [0:12] "Hb 8.1 g/dL"', "Hemoglobin", "from the pasted note: “Hb 8.1 g/dL”"),
    ('note document cbc.txt [0:12] "Hb 8.1 g/dL"', "Hemoglobin", "from cbc.txt: “Hb 8.1 g/dL”"),
    ('document marrow report.txt [120:141] "ring sideroblasts 22%"', "Ring sideroblasts",
     "from marrow report.txt: “ring sideroblasts 22%”"),
    ("FHIR Observation/hb-20261110", "Hemoglobin", "Observation: hemoglobin"),
    ("FHIR Observation/x", "IPSS-R risk category", "Observation: IPSS-R risk category"),
    ("FHIR Patient/p-1", "", "Patient"),
    ("calculated: ipss_r", "IPSS-R", "calculated: ipss r"),
    ("case file", "Age", "case file"),
])
def test_sources_read_as_people_write_them(source: str, label: str, want: str) -> None:
    from mednec.render.values import is_attached, source_words

    assert source_words(source, label) == want
    assert not leftovers(f"<p>{source_words(source, label)}</p>")
    assert is_attached(source) == source.startswith(("FHIR", "document", "note document"))



@pytest.mark.parametrize("ex", PACK_CASES, ids=[e.name for e in PACK_CASES])
def test_new_pack_pages_and_documents_show_no_internals(web: Web, ex: Example) -> None:
    """Every GLP-1 and LDL example and variant (met, not met, insufficient): the answer page and each
    document it fits, for each audience, as the web app serves them."""
    assert ex.file is not None
    case = dict(yaml.safe_load(case_path(ex.file).read_text()))
    ev = "/answers/" + web.submit_case("req", case, ex.drug)
    c = web.client("req")
    pages = {}
    for audience in ("clinician", "payer", "patient"):
        pages[f"{ev}?audience={audience}"] = c.get(f"{ev}?audience={audience}").text
        for doc in ex.documents:
            who = web.client("doc") if doc == "denial" else c  # the reviewer issues a denial
            r = who.get(f"{ev}/documents/{doc}?format=html&audience={audience}")
            assert r.status_code == 200, (doc, audience)
            pages[f"{doc} {audience}"] = r.text
    found = {name: hits for name, html in pages.items() if (hits := leftovers(html))}
    assert not found, "\n".join(f"{name}: {hits[:4]}" for name, hits in found.items())
