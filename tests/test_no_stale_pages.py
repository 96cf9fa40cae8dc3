"""
No change leaves a stale page in the page cache. A stored page is served
only while nothing it was built from has changed (pagecache.tags): one tag
that a model, a bulk update or a path without signals forgets to mark, and
visitors read the page as it was before an approval, a deletion or a gift,
for as long as the cache keeps it. So this applies random sequences of
every kind of change the site knows to the demo site, each through the path
staff, the reviewers, the operator or Stripe really take, and after each
one reads every public address twice: as a visitor gets it (from the cache
whenever it is stored) and rendered afresh, with the page cache and every
kept part of a page left out. The two must be the same page.

Every run makes each kind of change at least once, in one long sequence
(TOUR), then a few short random ones. Each example starts from the same
committed site with its pages stored, and is rolled back after (a
savepoint, with the page cache put back as it was then). `commit()` runs
what a commit would run: that is when a change makes pages stale
(pagecache.generations).
"""

import contextlib
import datetime
import difflib
import re
from io import StringIO
from pathlib import Path
from typing import NamedTuple

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.utils import timezone, translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reversion.models import Version

from articles.demo import DEMO_DIR as ARTICLE_DEMO_DIR
from articles.models import Article
from articles.models import Tag as ArticleTag
from donations.models import Campaign, CampaignText, Gift, OfflineGift
from faq.models import Question, Topic
from glossary.models import Term
from review.models import MEDICAL_REVIEWERS, Reviewer, SignOff
from treatments.demo import DEMO_DIR
from treatments.models import Tag, Treatment

from .helpers import (
    ORGANISATION_FILE,
    STRIPE_SECRET,
    addresses_for,
    crawl_site,
    form_values,
    gift_event,
    post_to_stripe,
    public_routes,
    refunded_charge,
    soup_of,
    stripe_event,
    treatment_form,
    visible,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password-1"
# Lists cut into pages of a few items, so that the demo's lists have second pages and an item added,
# removed or reordered moves others across a page's edge.
TREATMENTS_PER_PAGE = 3
QUESTIONS_PER_PAGE = 3
ARTICLES_PER_PAGE = 2
# Addresses that differ only in a parameter the page echoes (the donate form's ?from=, one address per page
# of the site) are built from the same rows: this many of each stand for the rest.
VARIANTS_KEPT = 2
# Where the clock stands when each example starts: early in the day, so that schedules a few minutes or hours
# ahead fall on the same day and the day changes only when an example's clock passes midnight.
START_OF_DAY = datetime.time(8, 0)


# Changes ---------------------------------------------------------------------------------


class Change(NamedTuple):
    """
    One change, as drawn: its kind, and numbers that choose, when it is made,
    among what exists then (`pick`), which form or field or path (`variant`),
    and more (`number`): the words and amounts it writes. Its `place` in the
    example is set as it is made.
    """

    kind: str
    pick: int = 0
    variant: int = 0
    number: int = 1
    place: int = 0

    @property
    def mark(self):
        """What the words it writes carry, unlike any other change's in the example (an address made twice fails)."""
        return f"{self.number}-{self.place}"


def _one_of(items, number):
    items = list(items)
    return items[number % len(items)] if items else None


def _errors(response):
    page = soup_of(response)
    return [visible(node.get_text(" ")) for node in page.select(".errornote, .errorlist, .error")][:5]


def _post(client, url, data, expected=(302,)):
    response = client.post(url, data)
    assert response.status_code in expected, f"POST {url}: {response.status_code} {_errors(response)}"
    return response


# A version may name a row deleted since (a question's topic) or an address taken since (a slug): the admin then
# shows the form with the error, and writes nothing.
MAY_BE_REFUSED = (302, 200)


def _form(client, url, selector="#content-main form", **changes):
    """The form at `url` with its current values (as a browser would send it back), and `changes`."""
    opened = client.get(url)
    assert opened.status_code == 200, f"GET {url}: {opened.status_code}"
    return {**form_values(opened.content, selector), **changes}


def _chosen(data, name):
    """The values of a form's checkboxes as a list (form_values gives one ticked box as a string)."""
    value = data.get(name, [])
    return [value] if isinstance(value, str) else list(value)


def _words(change):
    """Words to write: some use a glossary term, which the stored HTML then links."""
    return _one_of(
        [
            f"Plain words, written again ({change.mark}).",
            f"It can reach a lymph node ({change.mark}).",
            f"Fatigue is common in the first weeks ({change.mark}).",
        ],
        change.number,
    )


def _admin_url(item, action="change"):
    return f"/admin/{item._meta.app_label}/{item._meta.model_name}/{item.pk}/{action}/"


def _published(model):
    return model.objects.published().order_by("pk")


def _medical(change):
    """A published treatment, question or glossary term (by `variant`), or None if there is none."""
    for offset in range(3):
        model = (Treatment, Question, Term)[(change.variant + offset) % 3]
        item = _one_of(_published(model), change.pick)
        if item is not None:
            return item
    return None


def _kept_for_review(site, change, submit=None):
    """An editor changes a published medical page in the admin: saved as a pending change, the page unchanged."""
    item = _medical(change)
    if item is None:
        return None
    editor = site.staff["editor"]
    url = _admin_url(item)
    data = _form(editor, url)
    words = _words(change)
    if isinstance(item, Treatment):
        field = _one_of(["summary", "body", "points-0-text", "tags"], change.variant // 3)
        if field == "tags":
            data["tags"] = _chosen(data, "tags")[1:]
        else:
            data[field] = words
    elif isinstance(item, Question):
        field = _one_of(["answer", "question"], change.variant // 3)
        data[field] = words if field == "answer" else f"Is this question asked again ({change.mark})?"
    else:
        field = "definition"
        data[field] = words
    submit = change.number % 2 == 0 if submit is None else submit
    if submit:
        data["_submit_for_review"] = "Submit for review"
    review = "submitted for review" if submit else "kept for review"
    said = f"an editor changes the {field} of {_named(item)} in the admin ({review})"
    site.change(said, lambda: _post(editor, url, data))
    return item


def _approval(site, change):
    """A medical reviewer approves a change awaiting review, on its review page."""
    waiting = SignOff.objects.filter(state=SignOff.State.SUBMITTED).order_by("pk")
    if not waiting.exists():
        _kept_for_review(site, change, submit=True)
    sign_off = _one_of(waiting, change.pick)
    if sign_off is not None:
        _approve_on_review_page(site, sign_off.item, "the change to")


def _approve_on_review_page(site, item, what):
    """A medical reviewer approves what awaits review on its review page (as shown to them)."""
    sign_off = SignOff.of(item)
    name = _reviewer_for(site, item, sign_off)
    if name is None:
        return
    client, review = site.staff[name], sign_off.review_page()
    shown = _form(client, review, ".review-decision", decision="approve")
    site.change(f"{name} approves {what} {_named(item)}", lambda: _post(client, review, shown))


def _reviewer_for(site, item, sign_off):
    """A reviewer who wrote no part of the change (an approval counts): nobody approves their own."""
    authors = item.authors_of_change(sign_off)
    return next((name for name in REVIEWERS if site.users[name].pk not in authors), None)


def _new_page(site, change):
    """An editor adds a treatment, a question or a term and submits it; a reviewer approves it."""
    editor, number = site.staff["editor"], change.number
    kind = change.variant % 3
    if kind == 0:
        tags = [str(pk) for pk in Tag.objects.order_by("pk").values_list("pk", flat=True)[change.pick % 3 :][:2]]
        title = f"New treatment {change.mark}"
        data = treatment_form(title=title, slug=f"new-treatment-{change.mark}", summary=_words(change), tags=tags)
        url, model, key = "/admin/treatments/treatment/add/", Treatment, {"title": title}
    elif kind == 1:
        # An English question, filed under an English topic (a topic of another language is refused).
        topic = _one_of(Topic.objects.filter(language="en").order_by("pk"), change.pick)
        treatment = _one_of(_published(Treatment), change.pick)
        question = f"Is a new question answered ({change.mark})?"
        data = _form(editor, "/admin/faq/question/add/", question=question, slug=f"new-question-{change.mark}")
        data.update(topic=str(topic.pk), order=str(number % 7), answer=_words(change))
        data["related_treatments"] = [str(treatment.pk)] if treatment else []
        url, model, key = "/admin/faq/question/add/", Question, {"question": question}
    else:
        word = _new_term_word(change.pick)
        if word is None:
            return
        data = _form(editor, "/admin/glossary/term/add/", term=word, slug=re.sub(r"\W+", "-", word.lower()))
        data["definition"] = f"What {word.lower()} means, in plain words ({change.mark})."
        url, model, key = "/admin/glossary/term/add/", Term, {"term": word}
    data["_submit_for_review"] = "Submit for review"
    said = f"an editor adds the {model._meta.verbose_name} “{next(iter(key.values()))}” and submits it"
    site.change(said, lambda: _post(editor, url, data))
    _approve_on_review_page(site, model.objects.get(**key), "the new")


def _article(site, change):
    """
    An article changes: an editor's change submitted and approved; a superuser's edit of its questions
    (an answer, the FAQ topic that lists one, one deleted), its appeal's campaign or its next article; or
    the operator imports one of the demo's article files, changed, published at once or for review.
    """
    kind = change.variant % 4
    if kind == 3:
        source = _one_of(sorted(ARTICLE_DEMO_DIR.glob("*.md")), change.pick)
        text = re.sub(r"(?m)^description: .*$", f'description: "{_words(change)}"', source.read_text())
        path = site.tmp_path / f"article-{change.mark}.md"
        path.write_text(text, encoding="utf-8")
        publish = ["--publish"] if change.number % 2 else []
        said = f"the operator imports the demo's {source.name}, changed ({' '.join(['import_articles', *publish])})"
        site.change(said, lambda: call_command("import_articles", str(path), *publish, stdout=StringIO()))
        return
    with_questions = _published(Article).filter(questions__isnull=False).distinct()
    item = _one_of(with_questions if kind == 1 else _published(Article), change.pick)
    if item is None:
        return
    if kind == 0:
        editor, url = site.staff["editor"], _admin_url(item)
        field = _one_of(["summary", "body", "appeal", "tags"], change.variant // 4)
        data = _form(editor, url)
        if field == "tags":
            data["tags"] = _chosen(data, "tags")[1:]
        else:
            data[field] = _words(change)
        data["_submit_for_review"] = "Submit for review"
        site.change(f"an editor changes the {field} of {_named(item)} and submits it", lambda: _post(editor, url, data))
        _approve_on_review_page(site, item, "the change to")
        return
    boss, url = site.staff["boss"], _admin_url(item)
    data = _form(boss, url)
    if kind == 1:
        field = _one_of(["first answer", "first question's FAQ topic", "first question (deleted)"], change.variant // 4)
        if field == "first answer":
            data["questions-0-answer"] = _words(change)
        elif field == "first question (deleted)":
            data["questions-0-DELETE"] = "on"
        else:
            topic = _one_of(Topic.objects.filter(language=item.language).order_by("pk"), change.number)
            data["questions-0-topic"] = "" if data.get("questions-0-topic") or topic is None else str(topic.pk)
    else:
        field = _one_of(["appeal's campaign", "next article"], change.variant // 4)
        if field == "next article":
            other = _one_of(Article.objects.exclude(pk=item.pk).order_by("pk"), change.number)
            data["next_article"] = "" if data.get("next_article") or other is None else str(other.pk)
        else:
            campaign = _one_of(Campaign.objects.order_by("pk"), change.number)
            data["appeal_campaign"] = "" if data.get("appeal_campaign") or campaign is None else str(campaign.pk)
    site.change(f"a superuser changes the {field} of {_named(item)} in the admin", lambda: _post(boss, url, data))


# Words the demo's pages use that the glossary does not explain yet: a new term links them.
NEW_TERMS = ["Tumour", "Chemotherapy", "Radiotherapy", "Immune system", "Hot flush"]


def _new_term_word(pick):
    taken = {form.casefold() for term in Term.objects.all() for form in term.forms()}
    return _one_of([word for word in NEW_TERMS if word.casefold() not in taken], pick)


def _emergency_edit(site, change):
    """A superuser changes a published medical page in the admin: public at once (an emergency, recorded)."""
    item = _medical(change)
    if item is None:
        return
    boss, url, number = site.staff["boss"], _admin_url(item), change.number
    data = _form(boss, url)
    which = change.variant // 3
    if isinstance(item, Treatment):
        field = _one_of(["summary", "title", "body", "first point (deleted)", "points (one added)", "cost"], which)
        if field in ("summary", "body"):
            data[field] = _words(change)
        elif field == "title":
            data["title"] = f"{item.title} renamed {change.mark}"
        elif field == "first point (deleted)":
            data["points-0-DELETE"] = "on"
        elif field == "points (one added)":
            row = data["points-INITIAL_FORMS"]
            data.update({f"points-{row}-kind": "10", f"points-{row}-text": _words(change), f"points-{row}-order": "0"})
        else:
            data.update(cost_min=str(100 * number), cost_max=str(200 * number), cost_period="year")
    elif isinstance(item, Question):
        field = _one_of(["answer", "question", "topic", "order"], which)
        if field == "answer":
            data["answer"] = _words(change)
        elif field == "question":
            data["question"] = f"Is this question asked again ({change.mark})?"
        elif field == "topic":
            other = _one_of(
                Topic.objects.filter(language=item.language).exclude(pk=item.topic_id).order_by("pk"), number
            )
            data["topic"] = str(other.pk) if other else data["topic"]
        else:
            data["order"] = str(number % 20)
    else:
        field = _one_of(["definition", "other forms"], which)
        if field == "definition":
            data["definition"] = _words(change)
        else:
            word = _new_term_word(number)
            data["other_forms"] = ", ".join(filter(None, [data["other_forms"], word and word.lower()]))
    site.change(f"a superuser changes the {field} of {_named(item)} in the admin", lambda: _post(boss, url, data))


def _links(site, change):
    """A superuser changes a treatment's tags or a question's treatments in the admin (many-to-many links)."""
    boss, number = site.staff["boss"], change.number
    if change.variant % 2 == 0:
        item = _one_of(_published(Treatment), change.pick)
        field, others = "tags", Tag.objects.order_by("pk")
    else:
        item = _one_of(_published(Question), change.pick)
        field, others = "related_treatments", Treatment.objects.order_by("pk")
    if item is None:
        return
    url = _admin_url(item)
    data = _form(boss, url)
    chosen = set(_chosen(data, field))
    other = _one_of(others, number)
    chosen ^= {str(other.pk)} if other else set()
    if number % 5 == 0:
        chosen = set()
    data[field] = sorted(chosen)
    names = sorted(str(row) for row in others.filter(pk__in=chosen))
    said = f"a superuser sets the {field.replace('_', ' ')} of {_named(item)} to {names} in the admin"
    site.change(said, lambda: _post(boss, url, data))


# What a superuser may delete, and a recovery bring back (core.admin.VersionedAdmin).
DELETABLE = [Treatment, Question, Tag, Term, Campaign, Topic, Article]


def _deletable(model):
    """
    What the admin lets a superuser delete: not what rows nobody may delete
    hang on (a campaign's gifts and clicks, a page's change awaiting review,
    an English page's translations), nor a topic with questions.
    """
    if model is Campaign:
        return Campaign.objects.filter(gifts__isnull=True, clicks__isnull=True).order_by("pk")
    rows = model.objects.all()
    if any(field.name == "translation_of" for field in model._meta.fields):
        rows = rows.filter(translations__isnull=True)
    if model is Topic:
        return rows.filter(questions__isnull=True).order_by("pk")
    if hasattr(model, "sign_offs"):
        return rows.filter(sign_offs__isnull=True).order_by("pk")
    return rows.order_by("pk")


def _delete(site, change):
    """A superuser deletes a page (or a tag, a topic) in the admin: on its delete page, or from the list."""
    for offset in range(len(DELETABLE)):
        model = DELETABLE[(change.variant + offset) % len(DELETABLE)]
        item = _one_of(_deletable(model), change.pick)
        if item is not None:
            break
    boss = site.staff["boss"]
    if change.number % 3 == 0:
        url = f"/admin/{item._meta.app_label}/{item._meta.model_name}/"
        data = {"action": "delete_selected", "_selected_action": [str(item.pk)], "post": "yes"}
        said = f"a superuser deletes {_named(item)} with the list's “Delete selected” action"
    else:
        url, data = _admin_url(item, "delete"), {"post": "yes"}
        said = f"a superuser deletes {_named(item)} in the admin"
    site.change(said, lambda: _post(boss, url, data))
    assert not type(item).objects.filter(pk=item.pk).exists(), said
    return item


def _unpublish(site, change):
    """An editor takes a page down with the list's "Unpublish" action."""
    for offset in range(5):
        model = (Treatment, Question, Term, Campaign, Article)[(change.variant + offset) % 5]
        item = _one_of(_published(model), change.pick)
        if item is not None:
            break
    else:
        return
    editor = site.staff["editor"]
    url = f"/admin/{item._meta.app_label}/{item._meta.model_name}/"
    data = {"action": "unpublish", "_selected_action": [str(item.pk)]}
    site.change(f"an editor unpublishes {_named(item)}", lambda: _post(editor, url, data))


REVERTIBLE = [Treatment, Question, Term, Campaign, Topic, Tag, Article]


def _revert(site, change):
    """A superuser (or an editor: then a change kept for review) brings a page back to an earlier version."""
    histories = []
    for model in REVERTIBLE:
        for item in model.objects.order_by("pk"):
            versions = list(Version.objects.get_for_object(item))
            if len(versions) > 1:
                histories.append((item, versions[1:]))
    if not histories:
        return
    item, older = _one_of(histories, change.pick)
    version = _one_of(older, change.number)
    who = "boss" if change.variant % 3 else "editor"
    client = site.staff[who]
    url = _admin_url(item, f"history/{version.pk}")
    data = _form(client, url)
    said = f"{'a superuser' if who == 'boss' else 'an editor'} reverts {_named(item)} to its version {version.pk}"
    site.change(said, lambda: _post(client, url, data, MAY_BE_REFUSED))


RECOVERABLE = [Treatment, Question, Term, Campaign, Tag, Topic, Article]


def _recover(site, change):
    """A superuser brings back a deleted page, as a draft; a reviewer approves it again (or an editor publishes)."""
    deleted = [version for model in RECOVERABLE for version in Version.objects.get_deleted(model).order_by("pk")]
    if not deleted:
        item = _delete(site, change._replace(variant=change.variant % 5))
        deleted = list(Version.objects.get_deleted(type(item)).order_by("pk"))
    version = _one_of(deleted, change.pick)
    model = version._model
    boss = site.staff["boss"]
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/recover/{version.pk}/"
    data = _form(boss, url)
    said = f"a superuser recovers the deleted {model._meta.verbose_name} “{version.object_repr}”"
    site.change(said, lambda: _post(boss, url, data, MAY_BE_REFUSED))
    item = model.objects.filter(pk=version.object_id).first()
    if item is None:
        return
    reviewer = _reviewer_for(site, item, None) if hasattr(item, "approve") else None
    if change.number % 2 and reviewer:
        site.change(f"{reviewer} approves the recovered {_named(item)}", lambda: item.approve(site.users[reviewer]))
    elif change.number % 2 and hasattr(item, "status"):
        data = {"action": "publish", "_selected_action": [str(item.pk)]}
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        site.change(f"an editor publishes the recovered {_named(item)}", lambda: _post(site.staff["editor"], url, data))


def _import_treatments(site, change):
    """The operator imports a treatment file: a demo page changed, or a new one; published at once, or for review."""
    kind = change.variant % 3
    if kind == 1:
        text = ORGANISATION_FILE.replace("Cold Cap Therapy", f"Cold Cap Therapy {change.mark}")
        text = text.replace('id: "41"', f'id: "cold-cap-{change.mark}"')
    else:
        source = _one_of(sorted(DEMO_DIR.glob("*.md")), change.pick)
        text = re.sub(r"(?m)^description: .*$", f'description: "{_words(change)}"', source.read_text())
        text = re.sub(r'(?m)^tags: "', 'tags: "Scalp cooling, ', text)
    path = site.tmp_path / f"treatment-{change.mark}.md"
    path.write_text(text, encoding="utf-8")
    publish = ["--publish"] if kind != 2 else []
    what = "a new treatment" if kind == 1 else f"the demo's {source.name}, changed"
    said = f"the operator imports {what} ({' '.join(['import_treatments', *publish])})"
    site.change(said, lambda: call_command("import_treatments", str(path), "--no-images", *publish, stdout=StringIO()))


def _import_faqs(site, change):
    """The operator imports an article: a new question, and an existing one answered anew, published at once."""
    # An English article: English questions and topics (a Spanish one is refused unless its file says lang: es).
    existing = _one_of(Question.objects.filter(language="en").order_by("pk"), change.pick)
    article = (
        f"Questions asked this month ({change.mark})\n\n"
        f"Is there a new question here ({change.mark})?\n\n{_words(change)}\n\n"
        + (f"{existing.question}\n\nA new answer to it ({change.mark}).\n" if existing else "")
    )
    path = site.tmp_path / f"article-{change.mark}.txt"
    path.write_text(article, encoding="utf-8")
    topic = _one_of(Topic.objects.filter(language="en").order_by("pk"), change.variant)
    topic = topic.name if topic and change.variant % 2 else f"Topic {change.mark}"
    options = ["--topic", topic, "--publish"]
    treatment = _one_of(_published(Treatment), change.number) if change.variant % 3 == 0 else None
    if treatment is not None:
        options += ["--treatment", treatment.slug]
    said = f"the operator imports an article of questions ({' '.join(['import_faqs', *options])})"
    site.change(said, lambda: call_command("import_faqs", str(path), *options, stdout=StringIO(), stderr=StringIO()))


def _glossary(site, change):
    """A new term approved, a term changed by a superuser, or a term deleted."""
    kind = change.variant % 3
    if kind == 0:
        _new_page(site, change._replace(variant=2))
        return
    term = _one_of(_published(Term), change.pick)
    if term is None:
        return
    boss = site.staff["boss"]
    if kind == 1:
        url = _admin_url(term)
        data = _form(boss, url, definition=f"What {term.term.lower()} means, said again ({change.mark}).")
        site.change(f"a superuser changes the definition of {_named(term)}", lambda: _post(boss, url, data))
    else:
        term = _one_of(_deletable(Term).filter(status=Term.Status.PUBLISHED), change.pick)
        if term is None:
            return
        url = _admin_url(term, "delete")
        site.change(f"a superuser deletes {_named(term)}", lambda: _post(boss, url, {"post": "yes"}))


def _reviewer_profile(site, change):
    """A reviewer's public name changes: by the reviewer (their own profile) or a superuser."""
    reviewer = _one_of(Reviewer.objects.order_by("pk"), change.pick)
    own = next((name for name in REVIEWERS if reviewer.user == site.users[name]), None)
    client = site.staff[own or "boss"]
    url = _admin_url(reviewer)
    data = _form(client, url, display_name=f"Dr Renamed {change.mark}")
    said = f"{'the reviewer' if own else 'a superuser'} renames the reviewer “{reviewer.display_name}”"
    site.change(said, lambda: _post(client, url, data))


def _gift(site, change):
    """Stripe's signed webhook reports a paid gift to a campaign; or the operator imports a provider's export."""
    campaign = _one_of(Campaign.objects.order_by("pk"), change.pick)
    if campaign is None:
        return
    amount = 100 * (1 + change.number % 900)
    if change.variant % 3 == 2:
        path = site.tmp_path / f"every-org-{change.mark}.csv"
        path.write_text(
            "Charge ID,Donation Date,Amount,Currency,Frequency\n"
            f"ch_eo_{change.mark},{timezone.now():%Y-%m-%dT%H:%M:%S.000Z},{amount / 100:.2f},USD,One-time\n",
            encoding="utf-8",
        )
        options = {"provider": "every_org", "campaign": campaign.slug, "stdout": StringIO()}
        said = f"the operator imports an Every.org export with a gift of {amount / 100:.2f} to {_named(campaign)}"
        site.change(said, lambda: call_command("import_gifts", str(path), **options))
        return
    said = f"Stripe reports a gift of {amount / 100:.2f} to {_named(campaign)}"
    site.change(said, lambda: _stripe(gift_event(campaign, amount_total=amount), "gift counted"))


def _stripe(payload, *outcomes):
    response = post_to_stripe(Client(), payload)
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] in outcomes, response.json()


def _refund(site, change):
    """Stripe's signed webhook reports a refund, or a lost dispute, of a gift Stripe reported."""
    stripe_gifts = Gift.objects.filter(provider="stripe").order_by("pk")
    if not stripe_gifts.exists():
        _gift(site, change._replace(variant=0))
    gift = _one_of(stripe_gifts, change.pick)
    if gift is None:
        return
    cents = int(gift.amount * 100)
    returned = max(1, cents * (1 + change.number % 2) // 2)
    if change.variant % 2:
        dispute = {
            "id": f"dp_test_{change.mark}",
            "object": "dispute",
            "payment_intent": gift.payment_id,
            "amount": returned,
            "currency": "usd",
            "status": "lost",
        }
        payload, what = stripe_event("charge.dispute.closed", dispute), "a lost dispute"
    else:
        payload, what = stripe_event("charge.refunded", refunded_charge(gift, returned)), "a refund"
    said = f"Stripe reports {what} of {returned / 100:.2f} of a gift to {_named(gift.campaign)}"
    # What was returned already is not counted twice: then nothing changes.
    site.change(said, lambda: _stripe(payload, "refund counted", "already counted"))


def _offline_gift(site, change):
    """Money counted by hand: an editor adds or removes an offline gift on the campaign's page, or code adds one."""
    campaign = _one_of(Campaign.objects.order_by("pk"), change.pick)
    if campaign is None:
        return
    amount = 10 * (1 + change.number % 500)
    kind = change.variant % 3
    if kind == 1:

        def write():
            OfflineGift.objects.create(campaign=campaign, amount=amount, donors=2, description="A bake sale")

        site.change(f"an offline gift of {amount} to {_named(campaign)} is saved", write)
        return
    editor, url = site.staff["editor"], _admin_url(campaign)
    data = _form(editor, url)
    rows = int(data["offline_gifts-INITIAL_FORMS"])
    if kind == 2 and rows:
        data["offline_gifts-0-DELETE"] = "on"
        said = f"an editor removes an offline gift from {_named(campaign)}"
    else:
        data["offline_gifts-TOTAL_FORMS"] = str(rows + 1)
        new = {
            "received_on": timezone.localdate().isoformat(),
            "amount": str(amount),
            "donors": "3",
            "description": "Cheques from the fun run",
            "campaign": str(campaign.pk),
        }
        data.update({f"offline_gifts-{rows}-{name}": value for name, value in new.items()})
        said = f"an editor adds an offline gift of {amount} to {_named(campaign)}"
    site.change(said, lambda: _post(editor, url, data))


def _campaign(site, change):
    """An editor changes a campaign in the admin: which is featured, its goal, its end, an amount it suggests."""
    campaign = _one_of(Campaign.objects.order_by("pk"), change.pick)
    if campaign is None:
        return
    editor, url = site.staff["editor"], _admin_url(campaign)
    data = _form(editor, url)
    kind = change.variant % 5
    if kind == 0:
        data["is_featured"] = "on"
        said = f"an editor features {_named(campaign)}"
    elif kind == 1:
        data["goal"] = str(1000 * (1 + change.number % 90))
        said = f"an editor sets the goal of {_named(campaign)} to {data['goal']}"
    elif kind == 2:
        data.pop("is_featured", None)
        said = f"an editor unfeatures {_named(campaign)}"
    elif kind == 3:
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        data["ends_on"] = max(yesterday, campaign.starts_on).isoformat()
        said = f"an editor ends {_named(campaign)} on {data['ends_on']}"
    else:
        data["amounts-0-impact"] = f"what the first amount pays for, said again ({change.mark})"
        said = f"an editor rewords the first amount {_named(campaign)} suggests"
    site.change(said, lambda: _post(editor, url, data))


def _schedule(site, change):
    """
    A go-live or an expiry a few minutes ahead, set in the admin; then the
    clock passes it, and (sometimes) the `publish_scheduled` job runs.
    """
    model = (Treatment, Question, Campaign)[change.variant % 3]
    item = _one_of(_published(model), change.pick)
    if item is None:
        return
    field = "go_live_at" if change.variant // 3 % 2 == 0 else "expires_at"
    minutes = 1 + change.number % 120
    moment = timezone.localtime() + datetime.timedelta(minutes=minutes)
    client = site.staff["editor" if model is Campaign else "boss"]
    url = _admin_url(item)
    data = _form(client, url, **{f"{field}_0": moment.date().isoformat(), f"{field}_1": moment.strftime("%H:%M:%S")})
    who, what = "an editor" if model is Campaign else "a superuser", "go-live" if field == "go_live_at" else "expiry"
    said = f"{who} sets the {what} of {_named(item)} {minutes} minutes ahead"
    site.change(said, lambda: _post(client, url, data))
    site.later(datetime.timedelta(minutes=minutes, seconds=1))
    if change.number % 2:
        site.change("the publish_scheduled job runs", lambda: call_command("publish_scheduled", stdout=StringIO()))


def _midnight(site, change):
    """
    The clock passes midnight: with no change to content, what pages say of
    dates changes (a campaign's days left, its last day, whether it has begun).
    """
    now = timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    midnight = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    site.later(midnight - now + datetime.timedelta(minutes=1 + change.number % 30))


def _names_and_order(site, change):
    """An editor renames or reorders a topic, reorders questions in the list, or renames a tag."""
    editor, number, kind = site.staff["editor"], change.number, change.variant % 4
    if kind == 2 and Question.objects.exists():
        url = "/admin/faq/question/"
        data = _form(editor, url, "#changelist-form", _save="Save")
        row = change.pick % int(data["form-TOTAL_FORMS"])
        data[f"form-{row}-order"] = str(number % 9)
        question = Question.objects.get(pk=data[f"form-{row}-id"])
        said = f"an editor sets the order of {_named(question)} to {number % 9} in the list of questions"
    elif kind == 3 and Tag.objects.exists():
        tag = _one_of(Tag.objects.order_by("pk"), change.pick)
        url = _admin_url(tag)
        data = _form(editor, url, name=f"{tag.name} {change.mark}")
        said = f"an editor renames the tag “{tag.name}”"
    else:
        topic = _one_of(Topic.objects.order_by("pk"), change.pick)
        url = _admin_url(topic)
        if kind % 2 == 0:
            data = _form(editor, url, name=f"{topic.name} {change.mark}", description=_words(change))
            said = f"an editor renames the topic “{topic.name}”"
        else:
            data = _form(editor, url, order=str(number % 9))
            said = f"an editor moves the topic “{topic.name}” to position {number % 9}"
    site.change(said, lambda: _post(editor, url, data))


def _named(item):
    return f"{item._meta.verbose_name} “{item}”"


CHANGES = {
    "kept for review": _kept_for_review,
    "approval": _approval,
    "new page": _new_page,
    "emergency edit": _emergency_edit,
    "links": _links,
    "delete": _delete,
    "unpublish": _unpublish,
    "revert": _revert,
    "recover": _recover,
    "import treatments": _import_treatments,
    "import questions": _import_faqs,
    "glossary": _glossary,
    "reviewer's name": _reviewer_profile,
    "gift": _gift,
    "refund": _refund,
    "offline gift": _offline_gift,
    "campaign": _campaign,
    "schedule": _schedule,
    "names and order": _names_and_order,
    "midnight": _midnight,
    "article": _article,
}

# Every kind of change, in one sequence: every run makes each at least once,
# whatever the examples drawn (they make the rest: other fields and forms, questions, titles, orders, jobs).
TOUR = [
    Change("kept for review", variant=0, number=2),  # a treatment's summary, submitted
    Change("import treatments", variant=2, pick=2, number=3),  # a demo page changed, for review: a new tag
    Change("approval", pick=1),  # of the import: the page's tags change
    Change("new page", variant=0, number=11),  # a treatment
    Change("emergency edit", variant=9, number=13),  # a treatment's first point deleted
    Change("links", variant=0, pick=1, number=16),  # a treatment's tags
    Change("links", variant=1, pick=2, number=17),  # a question's treatments
    Change("delete", variant=0, pick=2),
    Change("recover", pick=0, number=19),  # and approved again
    Change("unpublish", variant=1, pick=3),
    Change("revert", pick=1, variant=1),
    Change("import treatments", variant=0, pick=1, number=18),
    Change("import questions", variant=1, pick=3, number=20),
    Change("glossary", variant=0, number=21),  # a new term, approved
    Change("glossary", variant=1, pick=2, number=22),  # a term's definition changed
    Change("glossary", variant=2, pick=5, number=23),  # a term deleted
    Change("reviewer's name", pick=0, number=24),
    Change("gift", pick=0, number=25),  # through Stripe's webhook
    Change("gift", variant=2, pick=1, number=27),  # in a provider's export the operator imports
    Change("refund", pick=0, number=26),
    Change("offline gift", pick=1, variant=0, number=28),
    Change("campaign", pick=1, variant=0, number=30),  # another campaign featured
    Change("campaign", pick=0, variant=1, number=31),  # a goal
    Change("schedule", variant=0, number=32),  # a treatment's go-live
    Change("schedule", variant=5, pick=2, number=34),  # a campaign's expiry
    Change("names and order", variant=0, number=36),  # a topic renamed
    Change("midnight", number=37),  # a campaign's days left go down by one
    Change("article", variant=0, pick=0, number=38),  # an editor's summary, submitted and approved
    Change("article", variant=5, pick=0, number=39),  # the first question's FAQ topic: the FAQ lists it
    Change("article", variant=9, pick=1, number=40),  # an article's first question deleted
    Change("article", variant=2, pick=1, number=41),  # the appeal's campaign
    Change("article", variant=6, pick=2, number=42),  # the next article
    Change("article", variant=3, pick=1, number=43),  # an import, published at once
    Change("delete", variant=6, pick=0),  # an article
]

changes = st.builds(
    Change,
    kind=st.sampled_from(sorted(CHANGES)),
    pick=st.integers(0, 50),
    variant=st.integers(0, 23),
    number=st.integers(1, 9999),
    place=st.just(0),
)


# The site, as visitors and staff see it ------------------------------------------------------


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def _canonical_lists():
    """
    Addresses of lists as the content now makes them: each tag's page, the
    later pages of long lists, a comparison of two treatments and the
    chooser starting from one (the first and the last, by title).
    """
    found = [f"/treatments/?page={number}" for number in _later_pages(Treatment.objects.count(), TREATMENTS_PER_PAGE)]
    for tag in Tag.objects.annotate(rows=Count("treatments")).order_by("pk"):
        found.append(f"/treatments/?tag={tag.slug}")
        found += [
            f"/treatments/?tag={tag.slug}&page={number}" for number in _later_pages(tag.rows, TREATMENTS_PER_PAGE)
        ]
    found += [f"/articles/?page={number}" for number in _later_pages(Article.objects.count(), ARTICLES_PER_PAGE)]
    for tag in ArticleTag.objects.annotate(rows=Count("articles")).order_by("pk"):
        found.append(f"/articles/?tag={tag.slug}")
        found += [f"/articles/?tag={tag.slug}&page={number}" for number in _later_pages(tag.rows, ARTICLES_PER_PAGE)]
    for topic in Topic.objects.annotate(rows=Count("questions")).order_by("pk"):
        found += [f"/faq/topic/{topic.slug}/?page={number}" for number in _later_pages(topic.rows, QUESTIONS_PER_PAGE)]
    slugs = list(_published(Treatment).order_by("title").values_list("slug", flat=True))
    for pair in {tuple(slugs[:2]), tuple(slugs[-2:])} - {()}:
        found.append(f"/treatments/compare/?with={pair[0]}")
        found.append("/treatments/compare/?" + "&".join(f"t={slug}" for slug in pair))
    return found


def _later_pages(rows, per_page):
    """The numbers of the pages after the first that `rows` rows (public or not) could fill."""
    return range(2, (rows - 1) // per_page + 2)


# Which rows fill the <slug> of each address of the URL configuration: every row, public or not (a draft's
# address must answer 404), and none of another kind (/faq/<a tag's slug>/ is no page, and costs a render).
SLUGS_OF = {
    "treatments/<slug:slug>/": Treatment,
    "faq/topic/<slug:slug>/": Topic,
    "faq/<slug:slug>/": Question,
    "donate/<slug:slug>/": Campaign,
    "donate/<slug:slug>/thanks/": Campaign,
    "articles/<slug:slug>/": Article,
}
# The redirect to the payment provider, which counts a click: never stored, and no page.
NOT_PAGES = {"donate/<slug:slug>/give/"}


def _pages_of_the_routes():
    """Every address of the URL configuration, its slugs read from the content now."""
    found = []
    for text, pattern in public_routes():
        language = translation.get_language_from_path("/" + text) or django_settings.LANGUAGE_CODE
        route = text.removeprefix(f"{language}/")
        if route in NOT_PAGES:
            continue
        slugs = None
        if pattern.pattern.converters:
            assert route in SLUGS_OF, f"/{text}: say which rows fill its slug (SLUGS_OF)"
            rows = SLUGS_OF[route].objects.all()
            if any(field.name == "language" for field in SLUGS_OF[route]._meta.fields):
                rows = rows.filter(language=language)  # the rows of the route's language
            slugs = list(rows.values_list("slug", flat=True))
            if SLUGS_OF[route] is Campaign:  # and its addresses in the route's language (an English one redirects)
                slugs += CampaignText.objects.filter(language=language).values_list("slug", flat=True)
        found += addresses_for(text, pattern, slugs)
    return found


def _linked_addresses(crawled):
    """
    The addresses the pages link (a crawl), a few of each page reached with
    parameters it echoes, and not the donate redirect (it counts a click, and
    is never stored).
    """
    kept, seen = [], {}
    for address, response in sorted(crawled["responses"].items()):
        if response.status_code != 200 or "/give/" in address:
            continue
        path, _, query = address.partition("?")
        names = tuple(sorted(re.findall(r"(?:^|&)([^=&]+)=", query)))
        seen[path, names] = seen.get((path, names), 0) + 1
        if seen[path, names] <= VARIANTS_KEPT:
            kept.append(address)
    return kept


def _page_difference(served, fresh):
    """What differs between two responses, in a few lines: the status, and a diff of the text (or the HTML)."""
    lines = []
    if served.status_code != fresh.status_code:
        lines.append(f"status: {served.status_code} from the cache, {fresh.status_code} afresh")

    def text(response):
        return [line for line in (visible(part) for part in soup_of(response).get_text("\n").split("\n")) if line]

    diff = list(difflib.unified_diff(text(served), text(fresh), "from the cache", "afresh", n=1, lineterm=""))
    if not diff:
        html = [response.content.decode(errors="replace").splitlines() for response in (served, fresh)]
        diff = list(difflib.unified_diff(*html, "from the cache (HTML)", "afresh (HTML)", n=1, lineterm=""))
    return "\n".join(lines + diff[:40] + (["…"] if len(diff) > 40 else []))


class Site:
    """
    The demo site with its staff, a visitor, and what the checks remember:
    what this example did (to name it when a page differs) and every address
    that has answered 200 since it began.
    """

    def __init__(self, commit, clock, start, staff, users, tmp_path, linked):
        self.commit, self.clock, self.start = commit, clock, start
        self.staff, self.users, self.tmp_path = staff, users, tmp_path
        self.linked = linked
        self.visitor = Client()
        self.done = []
        self.answered = set()

    def addresses(self):
        return sorted({*self.linked, *self.answered, *_pages_of_the_routes(), *_canonical_lists()})

    def change(self, said, write):
        """Make a change and commit it, then check every page."""
        with self.commit():
            write()
        self.done.append(said)
        self.check()

    def later(self, delta):
        self.clock.shift(delta)
        self.done.append(f"the clock moves on {delta}")
        self.check()

    def read(self, addresses):
        self.visitor.cookies.clear()
        return {address: self.visitor.get(address) for address in addresses}

    def check(self):
        """
        Every public address, as a visitor gets it (from the cache when it is
        stored), is the page rendered afresh. Each is rendered once: a page
        the cache did not have (a miss) was rendered by that very request,
        from the database as it is now, with nothing kept reused; every other
        is rendered again with the page cache off. Returns what was served.
        """
        addresses = self.addresses()
        served = self.read(addresses)
        again = [address for address in addresses if served[address].get("X-Page-Cache") != "miss"]
        for name in ("fragments", "search", "recent-pages"):
            caches[name].clear()  # nothing kept reused: rendered parts, ranked search results, a worker's pages
        with override_settings(RIBBON_PAGE_CACHE_SECONDS=0):
            fresh = {**served, **self.read(again)}
        for address in again:
            cached, rendered = served[address], fresh[address]
            # Byte for byte, nothing normalised: public pages carry no nonce, CSRF token or request id, and the
            # clock is stopped, so two renders of one page from the same rows are the same bytes.
            if (cached.status_code, cached.content) != (rendered.status_code, rendered.content):
                pytest.fail(
                    f"{address} ({cached.get('X-Page-Cache')}) is not the page rendered afresh after:\n  "
                    + "\n  ".join(self.done)
                    + "\n"
                    + _page_difference(cached, rendered),
                    pytrace=False,
                )
        self.answered |= {address for address, response in fresh.items() if response.status_code == 200}
        return served


class PageCacheAsItWas:
    """
    The page cache's folder as it was at one moment: its pages, its
    generation, and the file of tag versions every process maps into memory.
    Put back beside the database as it was at that moment (a savepoint rolled
    back), the two agree again: the pages stored then are current.
    """

    def __init__(self):
        self.folder = Path(django_settings.CACHES["default"]["LOCATION"])
        self.files = {path.name: path.read_bytes() for path in self.folder.iterdir()}

    def put_back(self):
        for path in self.folder.iterdir():
            if path.name not in self.files:
                path.unlink()  # a page stored since
        for name, content in self.files.items():
            # Written over in place, never emptied first: the tag versions' file is mapped into memory.
            with open(self.folder / name, "r+b" if (self.folder / name).exists() else "wb") as file:
                file.write(content)
                file.truncate()


# The medical reviewers who approve: two, since nobody approves a change they wrote part of, and an approval is
# a version of the page its reviewer wrote.
REVIEWERS = ("reviewer", "second reviewer")


@pytest.fixture
def site(demo_site, commit, editor, reviewer, role, django_user_model, settings, monkeypatch, tmp_path):
    """
    The demo site committed, its staff logged in, the clock stopped early in
    the day, and every page stored: visited twice, served from the cache the
    second time, and the same as the page rendered afresh.
    """
    # A day: no page goes stale by its age while an example runs; only a change or a scheduled moment ends it.
    settings.RIBBON_PAGE_CACHE_SECONDS = 24 * 3600
    settings.RIBBON_SEARCHES_PER_MINUTE = 0  # one visitor reads every search page many times a minute
    settings.STRIPE_WEBHOOK_SECRETS = [STRIPE_SECRET]
    monkeypatch.setattr("treatments.views.TREATMENTS_PER_PAGE", TREATMENTS_PER_PAGE)
    monkeypatch.setattr("faq.views.QUESTIONS_PER_PAGE", QUESTIONS_PER_PAGE)
    monkeypatch.setattr("articles.views.ARTICLES_PER_PAGE", ARTICLES_PER_PAGE)
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD, first_name="Bo", last_name="Ss")
    bola = django_user_model.objects.create_user("bola", password=PASSWORD, is_staff=True)
    bola.groups.add(role(MEDICAL_REVIEWERS))
    Reviewer.objects.create(user=bola, display_name="Dr Bola Ade", credentials="consultant clinical oncologist")
    users = {"editor": editor, "reviewer": reviewer, "second reviewer": bola, "boss": boss}
    staff = {name: _logged_in(user) for name, user in users.items()}
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), START_OF_DAY))
    with time_machine.travel(start, tick=False) as clock:
        with commit():
            pass  # the demo content, the reviewers' public names
        linked = _linked_addresses(crawl_site(Client()))
        built = Site(commit, clock, start, staff, users, tmp_path, linked)
        first = built.read(built.addresses())
        second = built.check()  # the crawl stored some pages already
        stored = [address for address, response in first.items() if response.get("X-Page-Cache") in ("hit", "miss")]
        assert [address for address, response in second.items() if response.get("X-Page-Cache") == "hit"] == stored
        assert len(stored) > 50, "the page cache keeps the site's pages"
        built.stored, built.answered_at_start, built.cache_at_start = stored, set(built.answered), PageCacheAsItWas()
        yield built


@pytest.fixture
def example_of(site):
    """`with example_of() as site:` one example, from the site as it was committed with its pages stored."""

    @contextlib.contextmanager
    def example():
        with transaction.atomic():
            site.clock.move_to(site.start)
            site.cache_at_start.put_back()
            for name in ("fragments", "search", "recent-pages"):
                caches[name].clear()
            site.done, site.answered = [], set(site.answered_at_start)
            served = site.read(site.stored)
            assert {response["X-Page-Cache"] for response in served.values()} == {"hit"}, "the pages are stored"
            yield site
            transaction.set_rollback(True)

    return example


@settings(
    max_examples=5,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(made=st.lists(changes, min_size=1, max_size=4))
@example(made=TOUR)
def test_after_any_change_visitors_get_every_page_as_it_is_now(example_of, made):
    """Whatever staff, the operator or Stripe change, and in whatever order, no visitor reads a page from before it."""
    with example_of() as site:
        for place, change in enumerate(made):
            CHANGES[change.kind](site, change._replace(place=place))
