"""
What a reader on a phone sees first: a header that leaves room for the page,
one search box on the results page, a feedback form in the order it is
answered, and costs that say when they cannot be set side by side.
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from core.languages import language_of
from feedback.models import Feedback

from ..helpers import DESKTOP, PHONE

# The header's links and controls, where they are and how big: enough to count its lines and check its targets.
HEADER = """
() => {
  const header = document.querySelector('.site-header');
  const controls = [...header.querySelectorAll('a[href], input, button')].filter(e => e.getClientRects().length > 0);
  const boxes = controls.map(e => ({name: e.textContent.trim() || e.id, rect: e.getBoundingClientRect()}));
  const middles = boxes.map(b => b.rect.top + b.rect.height / 2).sort((a, b) => a - b);
  const lines = middles.filter((middle, i) => i === 0 || middle - middles[i - 1] > 8).length;
  return {
    height: header.getBoundingClientRect().height,
    lines,
    outside: boxes.filter(b => b.rect.left < 0 || b.rect.right > innerWidth).map(b => b.name),
    small: boxes.filter(b => b.rect.width < 24 || b.rect.height < 24).map(b => b.name),
    scrollWidth: document.documentElement.scrollWidth,
  };
}
"""
PAGES = ["/", "/treatments/immunotherapy/", "/search/?q=fatigue", "/donate/"]
# In Spanish, whose words are a third longer: the header's links must still fit.
PAGES += ["/es/", "/es/treatments/inmunoterapia/"]


@pytest.mark.parametrize(
    ("width", "most_lines", "tallest"),
    [(320, 2, 120), (375, 2, 120), (1280, 1, 70)],
    ids=["320px", "375px", "1280px"],
)
def test_the_header_leaves_room_for_the_page_without_script(visit, demo_site, width, most_lines, tallest):
    tab = visit({"width": width, "height": 700}, java_script_enabled=False)
    page = tab.page
    for path in PAGES:
        tab.go(path)
        header = page.evaluate(HEADER)
        assert header["height"] <= tallest, f"{path} at {width}px: the header is {header['height']:.0f}px tall"
        assert header["lines"] <= most_lines, f"{path} at {width}px: the header takes {header['lines']} lines"
        assert header["scrollWidth"] <= width, f"{path} at {width}px scrolls sideways"
        assert not header["outside"], f"{path} at {width}px: {header['outside']} off the screen"
        assert not header["small"], f"{path} at {width}px: {header['small']} smaller than 24px"
        with translation.override(language_of(path)):
            nav = page.get_by_role("navigation", name=gettext("Main"))
            for name in ("Treatments", "FAQ", "Glossary", "Donate"):
                expect(nav.get_by_role("link", name=gettext(name), exact=True)).to_be_visible()
            search = page.get_by_role("search", name=gettext("Site"))
            expect(search.get_by_label(gettext("Search treatments, articles and questions"))).to_be_visible()
    # Without script, the header's box searches.
    tab.go("/")
    box = page.get_by_role("search", name="Site").get_by_role(
        "searchbox", name="Search treatments, articles and questions"
    )
    box.fill("fatigue")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Search results")


def test_a_reader_on_a_phone_corrects_a_search_in_the_one_box_there_is(visit, demo_site):
    tab = visit(PHONE)
    page = tab.page
    tab.go("/")
    box = page.get_by_role("search", name="Site").get_by_role(
        "searchbox", name="Search treatments, articles and questions"
    )
    box.fill("fatige")
    box.press("Enter")
    expect(page.locator("h1")).to_have_text("Search results")
    expect(page.get_by_role("searchbox")).to_have_count(1)
    expect(page.get_by_role("search")).to_have_count(1)
    expect(box).to_have_value("fatige")
    box.fill("hair loss")
    box.press("Enter")
    expect(page.locator(".result-count")).to_contain_text("“hair loss”")
    expect(box).to_have_value("hair loss")

    # With no words yet, the page points at the box and its link puts the cursor there.
    tab.go("/search/")
    expect(page.get_by_role("searchbox")).to_have_count(1)
    page.get_by_role("link", name="search box at the top of the page").click()
    expect(box).to_be_focused()
    page.keyboard.type("fatigue")
    page.keyboard.press("Enter")
    expect(page.locator(".result-count")).to_contain_text("match “fatigue”")
    assert not tab.problems, tab.problems


def test_a_reader_who_answers_twice_is_thanked_and_led_back_to_the_page(visit, demo_site):
    tab = visit(PHONE, java_script_enabled=False)
    page = tab.page
    tab.go("/faq/what-side-effects-can-immunotherapy-cause/")
    page.get_by_role("radio", name="Yes, it helped").check()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("h1")).to_have_text("Thank you")
    page.go_back()  # the page as the browser kept it: the form again, no token to go stale
    page.get_by_role("radio", name="No").check()
    page.get_by_label("What was missing?").fill("I changed my mind.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".lead")).to_have_text(
        "We already have your answer about this page, so this one was not counted twice."
    )
    page.get_by_role("link", name="Go back to the page you were reading").click()
    expect(page.locator("h1")).to_have_text("What side effects can immunotherapy cause?")
    assert [(kept.path, kept.helpful) for kept in Feedback.objects.all()] == [
        ("/faq/what-side-effects-can-immunotherapy-cause/", True)
    ]


def test_costs_for_different_lengths_of_time_are_flagged_on_a_phone_a_desktop_and_paper(visit, demo_site):
    note = "These costs are not for the same length of time: a year for Immunotherapy, one cycle for Chemotherapy."
    phone = visit(PHONE)
    phone.go("/treatments/compare/?t=immunotherapy&t=chemotherapy")
    cost = phone.page.get_by_role("region", name="Typical cost")
    expect(cost.locator(".compare-note")).to_contain_text(note)
    expect(cost).to_contain_text("$100,000–$200,000 per year")
    expect(cost).to_contain_text("$1,000–$12,000 per cycle")
    phone.page.emulate_media(media="print")
    row = phone.page.locator(".compare-table tr", has=phone.page.get_by_role("rowheader", name="Typical cost"))
    expect(row.locator(".compare-note")).to_be_visible()
    expect(row.locator(".compare-note")).to_contain_text(note)

    desktop = visit(DESKTOP)
    desktop.go("/treatments/compare/?t=immunotherapy&t=chemotherapy")
    expect(desktop.page.locator(".compare-stacked")).to_be_hidden()
    row = desktop.page.locator(".compare-table tr", has=desktop.page.get_by_role("rowheader", name="Typical cost"))
    expect(row.locator(".compare-note")).to_contain_text(note)
    expect(desktop.page.locator(".compare-note")).to_have_count(2)  # the table's and the stacked layout's, one shown

    desktop.go("/treatments/compare/?t=immunotherapy&t=targeted-therapy")  # both a year: nothing to flag
    expect(desktop.page.locator(".compare-table")).to_contain_text("$50,000–$150,000 per year")
    expect(desktop.page.locator(".compare-note")).to_have_count(0)
    assert not phone.problems + desktop.problems
