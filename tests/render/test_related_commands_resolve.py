"""Each related question's command answers that question, not another drug's.

Held out (written before the change): two policies of the GLP-1 pack share a generic (semaglutide:
Wegovy and Ozempic; tirzepatide: Zepbound and Mounjaro; liraglutide: Saxenda and Victoza), and
``--drug <generic>`` resolves to the first policy loaded. So the Wegovy article offered "Is semaglutide
(Ozempic) medically necessary...? -- mednec report CASE --drug semaglutide", which answers for Wegovy, and
the Mounjaro article's own follow-ups (continuation, what-if) answered for Zepbound. For every policy with
a test case, and for its general article, each command's ``--drug`` must name the policy the question is about:
the other drug the question names by brand, else the policy of the article itself.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from mednec.policies.model import Policy
from mednec.render.article import ArticleSources, build_article
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

from .test_every_policy_letter import CASES

_OTHER = re.compile(r"^Is .+ \((?P<brands>[^)]*)\) medically necessary")
_DRUG = re.compile(r'--drug ("[^"]+"|\S+)')


def _expected(question: str, own: Policy, policies: list[Policy]) -> Policy:
    m = _OTHER.match(question)
    if not m:
        return own
    brands = tuple(b.strip() for b in m.group("brands").split(","))
    (p,) = [p for p in policies if tuple(p.drug.brands) == brands and p.id != own.id] or [own]
    return p


def _check(article_related: tuple, own: Policy) -> list[str]:
    rt = default_runtime()
    policies = list(rt.catalog.policies())
    wrong = []
    for r in article_related:
        m = _DRUG.search(r.command)
        assert m, r
        got = rt.catalog.find_drug(m.group(1).strip('"'))
        want = _expected(r.question, own, policies)
        if got.id != want.id:
            wrong.append(f"{r.question} -> `{r.command}` answers {got.id}, not {want.id}")
    return wrong


@pytest.mark.parametrize(("policy_id", "want", "path"),
                         [pytest.param(p, w, f, id=f"{p}-{w}") for p, w, f in CASES])
def test_each_related_command_answers_its_question(policy_id: str, want: str, path: Path) -> None:
    rt = default_runtime()
    policy = rt.catalog.policy(policy_id)
    raw = yaml.safe_load(path.read_text("utf-8"))
    as_of = raw.get("as_of")
    case = rt.parse_case(raw["case"], as_of=as_of if isinstance(as_of, dt.date) else None)
    det = rt.evaluate(case.facts, policy, phase=raw.get("phase", "initial"), variant=raw.get("variant"))
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=path.name, case_title="t")
    assert _check(build_article(det, src).related, policy) == []


@pytest.mark.parametrize("policy_id", sorted({p for p, _, _ in CASES}))
def test_each_related_command_of_the_general_article_answers_its_question(policy_id: str) -> None:
    rt = default_runtime()
    policy = rt.catalog.policy(policy_id)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
    doc = build_document(None, src, document="article", audience="clinician", general=True,
                         as_of=dt.date(2026, 12, 7))
    assert _check(doc.related, policy) == []
