"""The one sanitising renderer: what survives and what never does."""

import pytest
from bs4 import BeautifulSoup

from core.markdown import render_markdown

DANGEROUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)">hi</p>',
    "![pic](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<object data="evil.swf"></object>',
    '<form action="https://evil.example"><input name="x"></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "[x](vbscript:msgbox(1))",
]


def assert_inert(html):
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in {"script", "style", "iframe", "svg", "object", "embed", "form", "base", "meta", "input"}
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), f"event handler {name} survived"
            assert name.lower() != "style"
            if name in {"href", "src"}:
                assert value.split(":", 1)[0].strip().lower() in {"http", "https", "mailto"} or ":" not in value, value


@pytest.mark.parametrize("payload", DANGEROUS)
def test_dangerous_input_is_neutralised(payload):
    html = render_markdown(payload)
    assert_inert(html)
    assert "alert(1)</script>" not in html
    assert "javascript:" not in html.lower()


def test_headings_lists_tables_emphasis_links_and_images_survive():
    source = """## Section

Some *emphasis*, **strong** text and a [link](https://www.cancer.gov/).

- one
- two

1. first
2. second

| Medicine | Cost |
|----------|-----:|
| A        | $10  |

![A pink ribbon](https://example.org/ribbon.png "Ribbon")
"""
    soup = BeautifulSoup(render_markdown(source), "html.parser")
    assert soup.h2.text == "Section"
    assert soup.em.text == "emphasis"
    assert soup.strong.text == "strong"
    assert [li.text for li in soup.find("ul").find_all("li")] == ["one", "two"]
    assert [li.text for li in soup.find("ol").find_all("li")] == ["first", "second"]
    assert soup.table.find("th").text == "Medicine"
    link = soup.find("a")
    assert link["href"] == "https://www.cancer.gov/"
    assert set(link["rel"]) == {"noopener", "noreferrer"}
    image = soup.find("img")
    assert image["src"] == "https://example.org/ribbon.png"
    assert image["alt"] == "A pink ribbon"


def test_mailto_links_survive():
    html = render_markdown("[Write to us](mailto:help@example.org)")
    assert 'href="mailto:help@example.org"' in html


def test_top_level_heading_is_demoted_so_each_page_keeps_one_h1():
    html = render_markdown("# A heading an editor wrote\n\ntext")
    assert "<h1" not in html
    assert "<h2>A heading an editor wrote</h2>" in html


def test_empty_input_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""
