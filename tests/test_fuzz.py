"""
Arbitrary text into the renderer, both importers' parsers and the donate
query: no unexpected exception, and the renderer's output is always inert.
"""

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from articles.parsing import ArticleFileError
from articles.parsing import parse_article as parse_blog_article
from core.markdown import render_markdown
from donations.donate_query import GiftError, parse_gift
from donations.models import Campaign
from faq.importer import ArticleError, parse_article
from importing.decoding import UnreadableFileError, decode_text_file
from treatments.parsing import TreatmentFileError, cost_range_from, parse_treatment

from .helpers import assert_page_is_inert
from .xss_corpus import PAYLOADS

# Text that looks like what these parsers read: markdown punctuation, HTML,
# front matter, URLs, currency, line breaks of every kind, and any character.
FRAGMENTS = st.sampled_from(
    ["---", "\n", "\r\n", "## ", "# ", "**", "- ", "* ", "1. ", ":", "?", "$", "£", "€", ",", "to", "per year",
     "Pros", "Cons", "Short Term", "Cost", "References", "[", "]", "(", ")", "http://", "javascript:", "<", ">",
     "\"", "'", "&", "#", "title: ", "tags: ", "id: ", "description: ", "|", "`", "\\", "\t", "â€™", "\ufeff"]
)  # fmt: skip
MARKDOWNISH = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=60).map("".join)
ANY_TEXT = st.one_of(MARKDOWNISH, st.text(max_size=400), st.sampled_from(PAYLOADS))


def outcome(parse, given, error_type):
    """(result, None) when `given` parses, (None, the error) when it is refused as it should be."""
    try:
        return parse(given), None
    except error_type as error:
        return None, error


@given(ANY_TEXT)
def test_renderer_never_fails_and_never_lets_code_through(text):
    output = render_markdown(text)
    assert isinstance(output, str)
    assert_page_is_inert("renderer", f"<html><body>{output}</body></html>")
    assert "<h1" not in output


@given(ANY_TEXT)
@example("---\ntitle: [unclosed\n---\n")
@example("---\n- a list\n---\n")
@example("---\ntitle: x\ndescription: y\n---\n## Pros and Cons\n- orphan\n")
def test_treatment_parser_either_parses_or_names_a_line(text):
    parsed, error = outcome(parse_treatment, text, TreatmentFileError)
    if error is not None:
        assert error.line >= 1
        assert error.message
        return
    assert parsed.title
    assert parsed.summary
    assert len(parsed.summary) <= 300


@given(st.binary(max_size=600))
def test_any_bytes_decode_or_are_reported_with_a_line(data):
    decoded, error = outcome(decode_text_file, data, UnreadableFileError)
    if error is not None:
        assert error.line >= 1
        return
    assert "\r" not in decoded.text


@given(ANY_TEXT)
def test_cost_sentences_never_fail(text):
    found = cost_range_from(text)
    assert found is None or (found[0] <= found[1] and found[2] in {"USD", "GBP", "EUR"})


@given(ANY_TEXT)
@example("Title\n\nIs it?\n\nYes.\n")
def test_article_parser_either_finds_questions_or_names_a_line(text):
    article, error = outcome(parse_article, text, ArticleError)
    if error is not None:
        assert error.line >= 1
        assert error.message
        return
    assert article.questions
    assert all(q.question.endswith("?") and q.answer for q in article.questions)


CAMPAIGNS = [
    Campaign(slug="s", donate_url="https://buy.stripe.com/x"),
    Campaign(slug="e", donate_url="https://www.every.org/x"),
]


@pytest.mark.parametrize("campaign", CAMPAIGNS, ids=["stripe", "every-org"])
@given(
    query=st.dictionaries(
        st.sampled_from(["amount", "custom_amount", "frequency", "from", "x"]),
        st.one_of(st.text(max_size=30), st.sampled_from(["50", "-5", "1e9", "monthly", "one-time", "NaN", "25.50"])),
        max_size=4,
    )
)
def test_donate_query_either_parses_or_explains(campaign, query):
    gift, error = outcome(lambda given: parse_gift(given, campaign), query, GiftError)
    if error is not None:
        assert str(error)
        return
    assert gift.frequency in {"one-time", "monthly"}
    assert gift.amount is None or Decimal("1") <= gift.amount <= Decimal("100000")


@given(ANY_TEXT)
@example("Title\n\nQuestions\n\nIs it?\n\nYes.\n\nNext\nNext\n\nOther")
@example("---\ndate: [1\n---\nT\n\nText.")
@example("# T\n\n## Q\n\nA?\n\nB?\n\n")
def test_article_parser_either_parses_or_names_a_line(text):
    parsed, error = outcome(parse_blog_article, text, ArticleFileError)
    if error is not None:
        assert error.line >= 1
        assert error.message
        return
    assert parsed.title
    assert parsed.body
    assert 0 < len(parsed.summary) <= 300
    assert all(question.question.endswith("?") and question.answer for question in parsed.questions)
