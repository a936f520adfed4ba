"""The answer page of an evaluation made under a plan whose benefit excludes the use shows the benefit
statement beside the (unchanged) verdict; without a plan it says nothing about benefits."""

from __future__ import annotations

from tests.web.conftest import Web, example, text_of


def test_the_answer_page_shows_the_benefit_statement(web: Web) -> None:
    under = web.submit_case("req", example("wegovy-weight-adult.yaml"), "Wegovy", program="medicare_part_d")
    plain = web.submit_case("req", example("wegovy-weight-adult.yaml"), "Wegovy")
    t = text_of(web.client("req").get(f"/answers/{under}").text)
    assert "not covered by this plan's benefit" in t and "Meets criteria" in t
    assert "not a clinical finding" in t
    assert "plan's benefit" not in text_of(web.client("req").get(f"/answers/{plain}").text)
