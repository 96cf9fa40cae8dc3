"""
WCAG 2.2 AA in a real browser: axe-core on every public page at desktop and
phone width, and the checks axe cannot make, scripted.
"""

import pytest
import reversion
from reversion.models import Version

from articles.models import Article, ArticleQuestion
from articles.models import Tag as ArticleTag
from donations.models import Campaign
from faq.models import Question, Topic
from glossary.models import Term
from treatments.models import Treatment

from ..helpers import DESKTOP, PHONE, SCREENSHOTS

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def public_pages():
    """(name, path) for every public page the issue lists, from the demo content."""
    pages = [("home", "/"), ("treatments", "/treatments/")]
    pages += [(f"treatment-{t.slug}", t.get_absolute_url()) for t in Treatment.objects.published()]
    pages += [("faq", "/faq/")]
    topic = Topic.objects.filter(questions__status="published").first()
    question = Question.objects.published().first()
    pages += [("faq-topic", topic.get_absolute_url()), ("faq-question", question.get_absolute_url())]
    pages += [("faq-search", "/faq/?q=insurance"), ("faq-search-empty", "/faq/?q=zzzz")]
    pages += [("donate", "/donate/")]
    pages += [(f"campaign-{c.slug}", c.get_absolute_url()) for c in Campaign.objects.published()]
    pages += [("thanks", "/donate/thanks/"), ("not-found", "/no-such-page/"), ("bad-request", "/bad-request/")]
    featured = Campaign.objects.featured().first()
    pages += [("give-bad-amount", f"{featured.get_give_url()}?amount=abc")]
    # Finding and weighing options.
    pages += [("search", "/search/"), ("search-results", "/search/?q=fatigue"), ("search-slip", "/search/?q=fatige")]
    pages += [("search-nothing", "/search/?q=zzzz"), ("search-wait", "/too-many-searches/?q=fatigue")]
    pages += [("compare-chooser", "/treatments/compare/"), ("compare-start", "/treatments/compare/?with=immunotherapy")]
    pages += [("compare-two", "/treatments/compare/?t=immunotherapy&t=chemotherapy")]
    pages += [("compare-three", "/treatments/compare/?t=immunotherapy&t=chemotherapy&t=hormone-therapy")]
    pages += [
        ("compare-one", "/treatments/compare/?t=immunotherapy"),
        ("compare-unknown", "/treatments/compare/?t=x&t=y"),
    ]
    pages += [("glossary", "/glossary/"), ("feedback-thanks", "/feedback/thanks/?page=/glossary/")]
    # Articles: the list (the feed's page for people), a tag, each article, a topic listing an article's question.
    pages += [("articles", "/articles/"), ("articles-tag", ArticleTag.objects.first().get_absolute_url())]
    pages += [(f"article-{a.slug}", a.get_absolute_url()) for a in Article.objects.published()]
    listed = ArticleQuestion.objects.on_live_articles().filter(topic__isnull=False).select_related("topic").first()
    pages += [("faq-topic-with-articles", listed.topic.get_absolute_url())]
    # In Spanish (the treatments' and articles' pages are above, each in its language).
    pages += [("es-home", "/es/"), ("es-treatments", "/es/treatments/"), ("es-faq", "/es/faq/")]
    question = Question.objects.published().filter(language="es").select_related("topic").first()
    pages += [("es-faq-topic", question.topic.get_absolute_url()), ("es-faq-question", question.get_absolute_url())]
    pages += [("es-faq-search", "/es/faq/?q=seguro"), ("es-search-results", "/es/search/?q=inmunoterapias")]
    pages += [("es-compare-two", "/es/treatments/compare/?t=inmunoterapia&t=quimioterapia")]
    pages += [("es-glossary", "/es/glossary/"), ("es-articles", "/es/articles/"), ("es-not-found", "/es/no-such-page/")]
    # Giving in Spanish: each campaign (in its Spanish words, or marked English), thanks and a refused amount.
    pages += [("es-donate", "/es/donate/"), ("es-thanks", "/es/donate/thanks/")]
    # Each at its Spanish address: its Spanish slug where it has Spanish words (its English one redirects).
    pages += [(f"es-campaign-{c.slug}", c.address_in("es")) for c in Campaign.objects.published()]
    pages += [("es-give-bad-amount", f"{featured.address_in('es', 'donations:give')}?amount=abc")]
    return pages


@pytest.fixture
def site_with_unlinked_pages(demo_site, settings):
    settings.ROOT_URLCONF = "tests.browser.urls"


def run_axe(page, axe_source, context="document"):
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        f"async (tags) => (await axe.run({context}, {{runOnly: {{type: 'tag', values: tags}}}})).violations", AXE_TAGS
    )


def describe(violations):
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    at {n['target']}: {n['html'][:120]}" for n in v["nodes"][:5])
        for v in violations
    )


def test_no_page_scrolls_sideways_at_320px(visit, site_with_unlinked_pages):
    tab = visit({"width": 320, "height": 700})
    too_wide = []
    for _name, path in public_pages():
        tab.go(path)
        width = tab.page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            too_wide.append(f"{path}: {width}px")
    assert not too_wide, too_wide


TARGETS_SMALLER_THAN_24PX = """
() => [...document.querySelectorAll('a[href], button, input[type=submit], summary')]
  .filter(element => element.getClientRects().length > 0 && element.closest('.skip-link') === null)
  .map(element => ({rect: element.getBoundingClientRect(), html: element.outerHTML.slice(0, 100)}))
  .filter(({rect}) => rect.width < 24 || rect.height < 24)
  .map(({rect, html}) => `${Math.round(rect.width)}x${Math.round(rect.height)} ${html}`)
"""


FOCUS_STATE = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const rect = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  // Probe the middle of the first line box: a link that wraps has two.
  const first = element.getClientRects()[0] || rect;
  const x = Math.min(Math.max(first.left + first.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(first.top + first.height / 2, 0), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  return {
    html: element.outerHTML.slice(0, 80),
    inView: rect.bottom > 0 && rect.top < innerHeight && rect.right > 0 && rect.left < innerWidth,
    outlined: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none',
    unobscured: hit !== null && (element === hit || element.contains(hit) || hit.contains(element)),
  };
}
"""


CHECKS = ("inView", "outlined", "unobscured")


def tabbing_problems(page, path):
    """Tab through the page from its top: each element focused must be in view, outlined and not covered."""
    problems, seen = [], set()
    for _ in range(80):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None or state["html"] in seen:
            break
        seen.add(state["html"])
        problems += [f"{path}: {check} fails for {state['html']}" for check in CHECKS if not state[check]]
    return problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_every_public_page_passes_axe_has_24px_targets_and_shows_every_focused_element(
    visit, site_with_unlinked_pages, axe_source, viewport, pytestconfig
):
    """
    Each public page, loaded once at this width: axe finds no violation; every link and button is at
    least 24 px each way; tabbing through it, every element focused is in view, outlined and uncovered.
    """
    tab = visit(viewport)
    pages = public_pages()
    violated, small, unfocused = [], [], []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in pages:
        tab.go(path)
        violations = run_axe(tab.page, axe_source)
        if violations:
            violated.append(f"{path} at {viewport['width']}px (screenshot: {name}-{viewport['width']}.png):")
            violated.append(describe(violations))
        # A page axe faults is always kept as seen; every page only when asked (make screenshots).
        if violations or pytestconfig.getoption("screenshots"):
            tab.page.screenshot(path=str(SCREENSHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
        small += [f"{path}: {target}" for target in tab.page.evaluate(TARGETS_SMALLER_THAN_24PX)]
        unfocused += tabbing_problems(tab.page, path)
    assert len(pages) >= 30
    assert not violated, "axe found violations:\n" + "\n".join(violated)
    assert not small, "links and buttons smaller than 24px:\n" + "\n".join(small)
    assert not unfocused, "focus not shown:\n" + "\n".join(unfocused)
    assert not tab.problems, tab.problems


def test_expanders_toggle_with_enter_and_space(visit, demo_site):
    tab = visit(DESKTOP)
    tab.go("/faq/")
    summary = tab.page.locator("details.faq-item > summary").first
    details = tab.page.locator("details.faq-item").first
    summary.focus()
    tab.page.keyboard.press("Enter")
    assert details.evaluate("element => element.open")
    tab.page.keyboard.press("Enter")
    assert not details.evaluate("element => element.open")
    tab.page.keyboard.press("Space")
    assert details.evaluate("element => element.open")
    tab.page.keyboard.press("Space")
    assert not details.evaluate("element => element.open")


def test_our_admin_fields_have_no_serious_violations(admin_tab, demo_site, axe_source):
    tab = admin_tab
    forms = {
        "treatment": f"/admin/treatments/treatment/{Treatment.objects.first().pk}/change/",
        "question": f"/admin/faq/question/{Question.objects.first().pk}/change/",
        "campaign": f"/admin/donations/campaign/{Campaign.objects.first().pk}/change/",
    }
    report = []
    for name, path in forms.items():
        tab.go(path)
        assert tab.page.locator("#content form").count() == 1, path
        violations = run_axe(tab.page, axe_source, context="'#content form'")
        serious = [v for v in violations if v["impact"] in ("serious", "critical")]
        if serious:
            report.append(f"{name} form:\n{describe(serious)}")
    assert not report, "\n".join(report)


def test_history_compare_revert_recover_and_recent_changes_pass_axe(admin_tab, demo_site, axe_source):
    """The version pages are our templates and django-reversion-compare's diff: axe checks all of their content."""
    treatment = Treatment.objects.get(slug="chemotherapy")
    with reversion.create_revision():
        treatment.summary = "A shorter summary, to compare with the first."
        treatment.save()
        reversion.set_comment("Changed Summary.")
    newest, first = Version.objects.get_for_object(treatment)[:2]
    gone = Treatment.objects.get(translation_of__slug="targeted-therapy")  # a page no other page translates
    with reversion.create_revision():
        gone.delete()
    deleted = Version.objects.get_deleted(Treatment).first()
    base = f"/admin/treatments/treatment/{treatment.pk}/history/"
    pages = {
        "history": base,
        "compare": f"{base}compare/?version_id1={first.pk}&version_id2={newest.pk}",
        "revert": f"{base}{first.pk}/",
        "recover list": "/admin/treatments/treatment/recover/",
        "recover": f"/admin/treatments/treatment/recover/{deleted.pk}/",
        "recent changes": "/admin/core/recentchange/",
    }
    # The revert and recovery screens are Django's change form, held to its standard (the test above):
    # its inline tables have an empty first header cell (minor), which no template block reaches.
    change_forms = {"revert", "recover"}
    report = []
    for name, path in pages.items():
        response = admin_tab.go(path)
        assert response.status == 200, path
        assert not admin_tab.problems, f"{name}: {admin_tab.problems}"
        violations = run_axe(admin_tab.page, axe_source, context="'#content'")
        admin_tab.problems.clear()  # axe's own inline styles, which the admin's CSP rightly blocks
        if name in change_forms:
            violations = [v for v in violations if v["impact"] in ("serious", "critical")]
        if violations:
            report.append(f"{name} ({path}):\n{describe(violations)}")
    assert not report, "axe found violations:\n" + "\n".join(report)
    assert not admin_tab.problems, admin_tab.problems


def test_the_medical_review_pages_pass_axe(visit, demo_site, editor, reviewer, axe_source):
    """
    The dashboard, the review queue, a reviewer's pages (a change, a new page; a treatment's and a glossary
    term's) and the editor's forms.
    """
    from review.models import SignOff

    from .conftest import log_in

    treatment = Treatment.objects.get(slug="chemotherapy")
    editing = log_in(visit(DESKTOP), "editor", "a-long-test-password-1")
    editing.go(f"/admin/treatments/treatment/{treatment.pk}/change/")
    editing.page.locator("#id_summary").fill("Medicines that stop cancer cells dividing.")
    editing.page.get_by_role("button", name="Submit for review").click()
    treatment.refresh_from_db()
    treatment.send_back(reviewer, "Say how it is given.")
    new = Treatment.objects.create(
        title="Scalp cooling",
        summary="A cold cap worn during chemotherapy.",
        suited_to="People having chemotherapy.",
        body="## How it works\n\nThe cap cools the **scalp**.",
        cost_min=1500,
        cost_period=Treatment.CostPeriod.ONE_OFF,
    )
    for kind, text in ((10, "Keeps hair."), (20, "Cold."), (30, "Headache."), (70, "Is it offered here?")):
        new.points.create(kind=kind, text=text)
    new.references.create(title="Scalp cooling — NCI", url="https://www.cancer.gov/scalp-cooling")
    new.tags.add(treatment.tags.first())
    new.submit_for_review(editor)
    node = Term.objects.get(term="Lymph node")
    editing.go(f"/admin/glossary/term/{node.pk}/change/")
    editing.page.locator("#id_definition").fill("A small gland that filters lymph fluid.")
    editing.page.get_by_role("button", name="Submit for review").click()
    new_term = Term.objects.create(term="Tumour", other_forms="tumours, tumor", definition="A lump of cells.")
    new_term.submit_for_review(editor)
    reviewing = log_in(visit(DESKTOP), "amina", "a-long-test-password-1")
    pages = [
        (reviewing, "/admin/review/signoff/dashboard/", False),
        (reviewing, "/admin/review/signoff/", False),
        (reviewing, f"/admin/review/signoff/{SignOff.of(treatment).pk}/change/", False),
        (reviewing, f"/admin/review/signoff/{SignOff.of(new).pk}/change/", False),
        (reviewing, f"/admin/review/signoff/{SignOff.of(node).pk}/change/", False),
        (reviewing, f"/admin/review/signoff/{SignOff.of(new_term).pk}/change/", False),
        (editing, f"/admin/treatments/treatment/{treatment.pk}/change/", True),
        (editing, f"/admin/glossary/term/{node.pk}/change/", True),
    ]
    report = []
    for tab, path, change_form in pages:
        response = tab.go(path)
        assert response.status == 200, path
        assert not tab.problems, f"{path}: {tab.problems}"
        violations = run_axe(tab.page, axe_source, context="'#content'")
        tab.problems.clear()  # axe's own inline styles, which the admin's CSP rightly blocks
        if change_form:  # Django's change form, held to its standard (test_our_admin_fields_have_no_serious…)
            violations = [v for v in violations if v["impact"] in ("serious", "critical")]
        if violations:
            report.append(f"{path}:\n{describe(violations)}")
    assert not report, "axe found violations:\n" + "\n".join(report)
