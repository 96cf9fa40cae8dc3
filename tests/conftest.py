import contextlib
import datetime
import fcntl
import itertools
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings

from treatments.models import Tag, Treatment, TreatmentPoint

from .helpers import ROOT, crawl_site, free_port, server_environment, wait_for

# Fuzz tests run the same examples every time (a red build is always
# reproducible); HYPOTHESIS_PROFILE=explore searches further, at random.
settings.register_profile(
    "ribbon", max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ribbon"))

_counter = itertools.count(1)


def pytest_addoption(parser):
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="save a screenshot of every public page at each width the browser tests check (make screenshots)",
    )


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """
    Hashing a password on purpose takes a long time; tests make many users.
    PBKDF2 stays available for the users that a separate server process
    (tests/test_servers.py) must be able to check.
    """
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(scope="session", autouse=True)
def page_cache_in_a_temporary_folder(tmp_path_factory):
    """The production default (a folder every worker shares), in a folder of the test run's own."""
    caches = {
        "default": {
            "BACKEND": "pagecache.backends.PageFileCache",
            "LOCATION": str(tmp_path_factory.mktemp("page-cache")),
            "OPTIONS": {"MAX_ENTRIES": 3000},
        },
        "counters": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path_factory.mktemp("counters")),
        },
        "search": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-search-results",
            "OPTIONS": {"MAX_ENTRIES": 200},
        },
        "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-page-fragments"},
        "recent-pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-recent-pages"},
    }
    with override_settings(CACHES=caches):
        yield


@pytest.fixture
def commit(db):
    """
    `with commit(): ...` ends as a commit would: everything written so far
    counts as committed, and what was to run on commit runs (each test runs
    inside one transaction that is rolled back, never committed).
    """

    @contextlib.contextmanager
    def committed():
        yield
        connection = transaction.get_connection()
        callbacks, connection.run_on_commit = connection.run_on_commit, []
        for _, callback, _ in callbacks:
            callback()

    return committed


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """
    The demo content, loaded once for a whole module of tests that only read
    it (each test still runs in its own savepoint), and rolled back after.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def site_pages(demo_site, django_db_blocker):
    """
    Every public page of the demo site, found from the URL configuration and
    then by its links (helpers.crawl_site): {"responses": {address: response},
    "covered": {route: reached?}}.
    """
    from django.test import Client

    with django_db_blocker.unblock():
        return crawl_site(Client())


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with empty caches, the page cache not marked as failing and owed nothing."""
    from django.core.cache import cache, caches

    from pagecache.outage import health

    cache.clear()
    for name in ("counters", "search", "fragments", "recent-pages"):
        caches[name].clear()
    health.reset()
    yield
    if health.timer is not None:
        health.timer.cancel()
    health.reset()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded and imported files go to a throwaway folder, never ./media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def make_treatment(db):
    def make(title=None, status=Treatment.Status.PUBLISHED, tags=(), points=(), **fields):
        title = title or f"Treatment {next(_counter)}"
        fields.setdefault("summary", f"What {title} is, in one sentence.")
        fields.setdefault("last_reviewed", datetime.date(2026, 1, 10))
        fields.setdefault("next_review_due", datetime.date(2027, 1, 10))
        treatment = Treatment(title=title, status=status, **fields)
        treatment.authorise_publication("Set up by a test")
        treatment.save()
        for name in tags:
            tag = Tag.objects.filter(name=name).first() or Tag.objects.create(name=name)
            treatment.tags.add(tag)
        for index, (kind, text) in enumerate(points):
            TreatmentPoint.objects.create(treatment=treatment, kind=kind, text=text, order=index)
        if points:
            treatment.refresh_from_rows()  # as every path that writes points does (the admin, imports, reverts)
        return treatment

    return make


@pytest.fixture
def full_treatment(make_treatment):
    """A treatment with something in every part of the page."""
    Kind = TreatmentPoint.Kind
    treatment = make_treatment(
        "Immunotherapy",
        summary="Medicines that help the immune system attack cancer.",
        body="Immunotherapy works through the **body’s** own defences.",
        tags=["Systemic therapy", "Metastatic"],
        points=[
            (Kind.PRO, "Responses can last a long time."),
            (Kind.PRO, "An option for triple-negative cancer."),
            (Kind.CON, "Can inflame healthy organs."),
            (Kind.CON, "Not everyone responds."),
            (Kind.SHORT_TERM, "Tiredness."),
            (Kind.LONG_TERM, "Thyroid changes."),
            (Kind.COST, "Extra tests add to the cost."),
            (Kind.RETURN, "Longer survival for responders."),
        ],
        cost_min=100000,
        cost_max=200000,
        cost_currency="USD",
        cost_period=Treatment.CostPeriod.PER_YEAR,
    )
    treatment.references.create(title="Immunotherapy — NCI", url="https://www.cancer.gov/immunotherapy", order=0)
    return treatment


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staffer", password="a-long-test-password-1", is_staff=True)


DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(scope="session", autouse=True)
def roles(request, django_db_setup, django_db_blocker):
    """
    The groups the data migrations make, with their permissions, read once as migrated: before any
    transactional test's flush removes them (autouse, so it runs first). When none of the tests chosen
    uses the database (`-k` picking subprocess tests), no test database was made, and none is read.
    """
    if not any(
        item.get_closest_marker("django_db") or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        for item in request.session.items
    ):
        return {}
    with django_db_blocker.unblock():
        return {
            group.name: list(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.all()
        }


@pytest.fixture
def role(roles, db):
    """`role(name)`: the group, made again if a transactional test's flush removed it (browser tests)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    def get(name):
        group, made = Group.objects.get_or_create(name=name)
        if made:
            wanted = Q(pk__in=[])
            for app_label, codename in roles[name]:
                wanted |= Q(content_type__app_label=app_label, codename=codename)
            group.permissions.set(Permission.objects.filter(wanted))
        return group

    return get


@pytest.fixture
def editor(django_user_model, role):
    user = django_user_model.objects.create_user("editor", password="a-long-test-password-1", is_staff=True)
    user.groups.add(role("Editors"))
    return user


@pytest.fixture
def reviewer(django_user_model, role):
    """A member of "Medical reviewers", with the name and credentials approval prints, who reads English and Spanish."""
    from review.models import MEDICAL_REVIEWERS, Reviewer

    user = django_user_model.objects.create_user("amina", password="a-long-test-password-1", is_staff=True)
    user.groups.add(role(MEDICAL_REVIEWERS))
    Reviewer.objects.create(
        user=user,
        display_name="Dr Amina Yusuf",
        credentials="consultant breast oncologist",
        languages=["en", "es"],
    )
    return user


@pytest.fixture
def make_question(db):
    from faq.models import Question, Topic

    def make(question=None, answer="An answer.", topic="Immunotherapy", status="published", treatments=(), **fields):
        topic_obj = Topic.objects.filter(name=topic).first() or Topic.objects.create(name=topic)
        item = Question(
            question=question or f"Question number {next(_counter)}?",
            answer=answer,
            topic=topic_obj,
            status=status,
            **fields,
        )
        item.authorise_publication("Set up by a test")
        item.save()
        if treatments:
            item.related_treatments.set(treatments)
        return item

    return make


@pytest.fixture
def make_campaign(db):
    from decimal import Decimal

    from django.utils import timezone

    from donations.models import Campaign, OfflineGift, SuggestedAmount

    def make(title=None, amounts=(), raised=Decimal("12500"), donor_count=130, **fields):
        """A published campaign; `raised` and `donor_count` become one offline gift (none if both are 0)."""
        today = timezone.localdate()
        fields.setdefault("summary", "What the money does.")
        fields.setdefault("story", "Why it matters.")
        fields.setdefault("goal", Decimal("50000"))
        fields.setdefault("starts_on", today - datetime.timedelta(days=10))
        fields.setdefault("ends_on", today + datetime.timedelta(days=18))
        fields.setdefault("status", Campaign.Status.PUBLISHED)
        fields.setdefault("donate_url", "https://buy.stripe.com/test_abc123")
        campaign = Campaign.objects.create(title=title or f"Campaign {next(_counter)}", **fields)
        if raised or donor_count:
            OfflineGift.objects.create(
                campaign=campaign, amount=Decimal(raised), donors=donor_count, description="Counted before the test"
            )
        for order, (amount, impact, *default) in enumerate(amounts):
            SuggestedAmount.objects.create(
                campaign=campaign, amount=amount, impact=impact, order=order, is_default=bool(default and default[0])
            )
        return campaign

    return make


@pytest.fixture
def stripe_campaign(make_campaign):
    """The featured campaign, paid through a Stripe Payment Link: $12,500 of $50,000 from 130 donors so far."""
    return make_campaign(
        "Fund research",
        donate_url="https://buy.stripe.com/test_once",
        is_featured=True,
        amounts=[(25, "lab supplies"), (50, "an adviser's time", True), (100, "a summary")],
    )


# Servers in other processes (tests/test_servers.py, tests/test_backups.py) -----------------


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """
    STATIC_ROOT after a production `collectstatic`, for server processes to read (never to change): made
    once for the run, by whichever pytest process asks first, in the folder all of them share.
    """
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's own folder, above each worker's
    static_root = shared / "collected-static"
    with open(shared / "collected-static.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (static_root / "staticfiles.json").exists():
            environment = server_environment("sqlite:///:memory:", static_root, {})
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                cwd=ROOT, env=environment, check=True, timeout=300,
            )  # fmt: skip
    return static_root


BIN = Path(sys.executable).parent


@pytest.fixture
def object_storage(tmp_path):
    """A local S3-compatible server (moto) with an empty bucket."""
    import boto3

    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for(endpoint + "/", process)
        settings = {
            "AWS_STORAGE_BUCKET_NAME": "ribbon-media",
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "AWS_DEFAULT_ACL": "public-read",
            "AWS_ACCESS_KEY_ID": "test-access-key",
            "AWS_SECRET_ACCESS_KEY": "test-secret-key",
        }
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="test-access-key", aws_secret_access_key="test-secret-key",
        )  # fmt: skip
        s3.create_bucket(Bucket="ribbon-media")
        yield {"settings": settings, "endpoint": endpoint, "client": s3}
    finally:
        process.terminate()
        process.wait(timeout=10)
