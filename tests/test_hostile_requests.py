"""
Requests an attacker sends: NUL characters, parameters naming drafts,
Accept-Encoding headers written to confuse, unsafe `next` addresses, and
login guesses meant to lock staff out. Each case is one that once failed.
"""

from urllib.parse import quote

import pytest
from django.test import Client, override_settings

from pagecache.encoding import preferred_encoding
from pagecache.parameters import declared_parameters

from .helpers import addresses_for, public_routes, soup_of

PASSWORD = "a-long-test-password-1"


# NUL characters: 400 on every database -------------------------------------------------


def _public_addresses_with_parameters():
    """(address, parameter names its view reads) for every public route, slugs filled from the demo content."""
    found = []
    for text, pattern in public_routes():
        addresses = addresses_for(text, pattern)
        if addresses:
            found.append(
                (addresses[0], sorted(declared_parameters(pattern.callback)), bool(pattern.pattern.converters))
            )
    return found


@pytest.mark.django_db
def test_a_nul_in_any_parameter_or_address_is_a_400(demo_site, client):
    checked = 0
    for address, parameters, has_slug in _public_addresses_with_parameters():
        for name in [*parameters, "utm_source", "x\x00"]:
            value = "a\x00b" if name != "x\x00" else "1"
            response = client.get(f"{address}?{quote(name)}={quote(value)}")
            assert response.status_code == 400, f"{address}?{name}=… answered {response.status_code}"
            assert soup_of(response).h1, "the site's own 400 page"
            checked += 1
        if has_slug:
            broken = address.rstrip("/").rsplit("/", 1)[0] + "/a%00b/"
            assert client.get(broken).status_code == 400, broken
    assert checked > 20
    for address in ["/treatments/?tag=%00", "/faq/?q=a%00b", "/faq/search/?q=a%00b", "/%00", "/static/%00.css"]:
        assert client.get(address).status_code == 400, address


@pytest.mark.django_db
def test_a_nul_in_a_form_field_or_cookie_is_a_400(client, django_user_model, make_treatment):
    login = client.post("/admin/login/", {"username": "root\x00", "password": "x"})
    assert login.status_code == 400
    admin = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    client.force_login(admin)
    treatment = make_treatment("Radiotherapy")
    change = client.post(
        f"/admin/treatments/treatment/{treatment.pk}/change/", {"title": "Radio\x00therapy", "summary": "S"}
    )
    assert change.status_code == 400
    treatment.refresh_from_db()
    assert treatment.title == "Radiotherapy"
    assert client.post("/markdownx/markdownify/", {"content": "a\x00b"}).status_code == 400
    # Cookie values may be quoted with octal escapes, which Django decodes: "\000" is a NUL.
    assert Client().get("/", HTTP_COOKIE='sessionid="' + "\\000" * 8 + '"').status_code == 400


# Names of drafts never appear ----------------------------------------------------------


@pytest.mark.django_db
def test_a_tag_used_only_by_drafts_is_not_found(client, make_treatment):
    from treatments.models import Tag, Treatment

    internal = Tag.objects.create(name="Internal")
    draft = make_treatment("Secret plan", status=Treatment.Status.DRAFT)
    draft.tags.add(internal)
    response = client.get("/treatments/?tag=internal")
    assert response.status_code == 404
    assert b"Internal" not in response.content
    unused = Tag.objects.create(name="Unused")
    assert client.get(f"/treatments/?tag={unused.slug}").status_code == 404
    published = make_treatment("Surgery")
    published.tags.add(internal)
    assert client.get("/treatments/?tag=internal").status_code == 200


# Accept-Encoding as RFC 9110 reads it --------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, br", "br"),
        ("gzip", "gzip"),
        ("GZIP", "gzip"),
        ("gzip;q=0, *", "br"),
        ("br;Q=0", None),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("br;q=0, *", "gzip"),
        ("gzip;q=0.9, br;q=0.8", "gzip"),
        ("gzip; q=0.001, br ; q=0.000", "gzip"),
        ("*", "br"),
        ("*;q=0", None),
        ("*;q=0, gzip", "gzip"),
        ("identity", None),
        ("", None),
        ("br;q=2, gzip", "gzip"),
        ("br;q=nope, gzip", "gzip"),
        ("deflate, compress", None),
    ],
)
def test_accept_encoding_follows_rfc_9110(rf, header, expected):
    assert preferred_encoding(rf.get("/", HTTP_ACCEPT_ENCODING=header)) == expected


@pytest.mark.django_db
def test_a_refused_encoding_is_never_sent(client, make_treatment):
    make_treatment("Radiotherapy")
    for header, refused in [("gzip;q=0, *", "gzip"), ("br;Q=0", "br"), ("br;Q=0", "br")]:
        response = client.get("/treatments/", HTTP_ACCEPT_ENCODING=header)
        assert response.status_code == 200
        assert response.get("Content-Encoding") != refused


# After login ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("next_address", ["https://evil.example/", "//evil.example/", "/\\evil.example", ""])
def test_a_refused_next_address_lands_on_the_admin(client, staff_user, next_address):
    response = client.post(
        f"/admin/login/?next={quote(next_address)}",
        {"username": "staffer", "password": PASSWORD, "next": next_address},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


# Login lock-out: on the pair of account and address ------------------------------------


def _fail(client, username, times, **headers):
    for attempt in range(times):
        client.post("/admin/login/", {"username": username, "password": f"wrong-{attempt}"}, **headers)


def _logs_in(username, **headers):
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD}, **headers)
    return response.status_code == 302


@pytest.mark.django_db
def test_direct_an_attacker_cannot_lock_staff_out_from_elsewhere(django_user_model, settings):
    django_user_model.objects.create_user("root", password=PASSWORD, is_staff=True, is_superuser=True)
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    _fail(Client(), "root", settings.AXES_FAILURE_LIMIT, **attacker)
    assert not _logs_in("root", **attacker), "the attacker's address is locked for root"
    assert _logs_in("root", REMOTE_ADDR="198.51.100.7"), "root still logs in from anywhere else"
    # Served directly, a forged X-Forwarded-For changes nothing: the connection's address counts.
    assert not _logs_in("root", HTTP_X_FORWARDED_FOR="198.51.100.7", **attacker)


@pytest.mark.django_db
@override_settings(RIBBON_TRUSTED_PROXIES=1)
def test_behind_the_proxy_each_visitor_is_told_apart(django_user_model, settings):
    for name in ("root", "alice"):
        django_user_model.objects.create_user(name, password=PASSWORD, is_staff=True)
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    # Five failures with five different usernames used to lock out every staff member.
    for number in range(settings.AXES_FAILURE_LIMIT):
        _fail(Client(), f"guess-{number}", 1, **attacker)
    _fail(Client(), "root", settings.AXES_FAILURE_LIMIT, **attacker)
    assert not _logs_in("root", **attacker)
    assert _logs_in("root", **proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert _logs_in("alice", **proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    # What the client writes to the left of the proxy's entry proves nothing.
    forged = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.66"}
    assert not _logs_in("root", **forged), "the attacker cannot step out of the lock by forging the header"
    _fail(
        Client(), "alice", settings.AXES_FAILURE_LIMIT, **{**proxy, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.66"}
    )
    assert _logs_in("alice", **proxy, HTTP_X_FORWARDED_FOR="192.0.2.1"), "nor lock out the address it names"


@pytest.mark.django_db
def test_the_lock_out_page_says_what_happened_and_what_to_do(client, staff_user, settings):
    _fail(client, "staffer", settings.AXES_FAILURE_LIMIT)
    response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD})
    assert response.status_code == 429
    page = soup_of(response)
    text = " ".join(page.main.get_text().split()) if page.main else page.get_text()
    assert "15 minutes" in text
    assert "this account" in text
    assert "administrator" in text


@pytest.mark.django_db
def test_axes_reset_unlocks_an_account(client, staff_user, settings):
    from django.core.management import call_command

    _fail(client, "staffer", settings.AXES_FAILURE_LIMIT)
    assert not _logs_in("staffer")
    call_command("axes_reset_username", "staffer", stdout=__import__("io").StringIO())
    assert _logs_in("staffer")


@pytest.mark.django_db
def test_a_huge_parameter_is_a_400_not_a_database_error(client, django_user_model):
    """SQLite refuses LIKE patterns over 50,000 bytes: the admin's search answered 503 (a database outage)."""
    client.force_login(django_user_model.objects.create_superuser("boss", password=PASSWORD))
    for address in ["/admin/auth/user/", "/admin/treatments/treatment/", "/faq/"]:
        response = client.get(address, {"q": "x" * 60_000})
        assert response.status_code == 400, address
    assert client.get("/admin/auth/user/", {"q": "boss"}).status_code == 200


@pytest.mark.django_db
def test_an_over_long_topic_name_is_refused_before_the_database(tmp_path):
    from django.core.management import CommandError, call_command

    (tmp_path / "a.md").write_text("Why?\n\nBecause.\n")
    with pytest.raises(CommandError, match="at most 100"):
        call_command("import_faqs", str(tmp_path), "--topic", "t" * 101, stdout=__import__("io").StringIO())


@pytest.mark.parametrize(
    ("header", "rewritten"),
    [
        ("gzip, br", "br;q=1.0, gzip;q=1.0"),
        ("br;Q=0", ""),
        ("gzip;q=0, *", "br;q=1.0"),
        ("gzip;q=0.9, br;q=0.8", "br;q=0.8, gzip;q=0.9"),
    ],
)
def test_static_files_see_accept_encoding_as_rfc_9110_reads_it(rf, header, rewritten):
    """WhiteNoise only looks for a coding's name, so it answered "br;q=0" with brotli."""
    from operations.request_guard import RequestGuardMiddleware

    seen = {}
    request = rf.get("/static/site.css", HTTP_ACCEPT_ENCODING=header)
    RequestGuardMiddleware(lambda request: seen.update(header=request.META["HTTP_ACCEPT_ENCODING"]))(request)
    assert seen["header"] == rewritten
    assert preferred_encoding(request) == preferred_encoding(rf.get("/", HTTP_ACCEPT_ENCODING=header))
