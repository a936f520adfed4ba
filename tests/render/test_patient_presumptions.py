"""A rule met only because the request attests it is not shown to the patient as a fact of the records
(helper docs7). A Zepbound answer for a woman with no sleep study told her "Rules your records meet: Your
sleep apnea is not mainly the central kind" -- nothing in her records says so; the policy presumes it.
A met rule whose every piece of evidence is undocumented now says so; a rule met on documented facts
does not."""

from __future__ import annotations

from mednec.render.formats import render_markdown
from mednec.render.phrases import phrase

from .cases import document, example

SAID = phrase("plain_rules.presumed")


def _rule_line(md: str, words: str) -> str:
    lines = [ln for ln in md.splitlines() if ln.startswith("- ") and words in ln]
    assert lines, words
    return lines[0]


def test_a_presumed_rule_says_the_records_do_not_say_it() -> None:
    md = render_markdown(document(example("ozempic"), "article", "patient"))  # type 1 diabetes not documented
    assert SAID in _rule_line(md, "type 1 diabetes")


def test_a_documented_rule_does_not() -> None:
    md = render_markdown(document(example("ozempic"), "article", "patient"))  # MTC history: no, documented
    assert SAID not in _rule_line(md, "medullary")
