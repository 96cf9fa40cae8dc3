"""
Importing the providers' CSV exports of donations. The sample files are our
own, with the columns each provider documents, and the donor columns real
exports carry (which must never be read or kept).
"""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from donations.models import Gift, Refund

from .helpers import soup_of, unreadable_gifts

EVERY_ORG = """\
Charge ID,Donation Date,First Name,Last Name,Email,Amount,Net Amount,Currency,Frequency,Designation
ch_eo_1,2026-11-02T09:15:00.000Z,Ana,Private,ana@example.org,100.00,97.10,USD,One-time,
ch_eo_2,2026-11-03T18:40:12.500Z,,,,"1,250.00","1,213.75",USD,Monthly,Research
"""

GIVEBUTTER = """\
Transaction ID,Reference Number,Campaign Code,First Name,Last Name,Email,Status,Method,Amount,Fee,Currency,\
Transacted At,Plan ID,Refunded,Refunded At
gb_101,GB-1,SPRING,Ben,Private,ben@example.org,succeeded,card,50.00,1.75,USD,2026-11-04 10:00:00,,false,
gb_102,GB-2,SPRING,Cy,Private,cy@example.org,succeeded,card,20.00,0.88,USD,2026-11-05 11:30:00,plan_9,false,
gb_103,GB-3,SPRING,Di,Private,di@example.org,failed,card,500.00,0,USD,2026-11-05 12:00:00,,false,
gb_104,GB-4,SPRING,Ed,Private,ed@example.org,succeeded,card,30.00,1.17,USD,2026-11-06 08:00:00,,true,2026-11-07
"""

DONORBOX = """\
Donation ID,Name,Donor Email,Campaign,Amount,Currency,Processing Fee,Donation Date,Recurring Donation,Status,\
Amount Refunded,Stripe Charge Id
db_1,Fay Private,fay@example.org,Spring,75.0,USD,2.48,2026-11-08T14:00:00.000Z,false,paid,0.0,ch_1
db_2,Gus Private,gus@example.org,Spring,40.0,USD,1.46,2026-11-09T09:00:00.000Z,true,paid,10.0,ch_2
"""

PAYPAL = """\
"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net","From Email Address",\
"Transaction ID","Reference Txn ID"
"11/10/2026","09:30:00","PST","Hal Private","Donation Payment","Completed","USD","60.00","-2.39","57.61",\
"hal@example.org","PP-1001",""
"11/11/2026","10:00:00","PST","Ivy Private","Subscription Payment","Completed","USD","15.00","-0.74","14.26",\
"ivy@example.org","PP-1002",""
"11/12/2026","16:00:00","PST","Hal Private","Payment Refund","Completed","USD","-60.00","2.09","-57.91",\
"hal@example.org","PP-1003","PP-1001"
"11/12/2026","17:00:00","PST","","General Withdrawal","Completed","USD","-500.00","0.00","-500.00",\
"","PP-1004",""
"11/13/2026","08:00:00","PST","Jo Private","Donation Payment","Pending","USD","99.00","-3.00","96.00",\
"jo@example.org","PP-1005",""
"""

SAMPLES = {"every_org": EVERY_ORG, "givebutter": GIVEBUTTER, "donorbox": DONORBOX, "paypal": PAYPAL}


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("Spring appeal", donate_url="https://givebutter.com/spring", raised=1000, donor_count=10)


def run(provider, text, campaign, tmp_path, name="export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8-sig")
    out, err = StringIO(), StringIO()
    call_command("import_gifts", str(path), provider=provider, campaign=campaign.slug, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("provider", "gifts", "given", "refunded", "monthly"),
    [
        ("every_org", 2, Decimal("1350.00"), Decimal("0"), 1),
        ("givebutter", 3, Decimal("100.00"), Decimal("30.00"), 1),  # the failed payment is not a gift
        ("donorbox", 2, Decimal("115.00"), Decimal("10.00"), 1),
        ("paypal", 2, Decimal("75.00"), Decimal("60.00"), 1),  # withdrawal and pending rows skipped
    ],
)
def test_each_providers_export_adds_its_gifts_and_refunds(
    client, campaign, tmp_path, provider, gifts, given, refunded, monthly
):
    out, _ = run(provider, SAMPLES[provider], campaign, tmp_path)
    assert Gift.objects.filter(campaign=campaign, provider=provider).count() == gifts
    assert sum(gift.amount for gift in Gift.objects.all()) == given
    assert sum(refund.amount for refund in Refund.objects.all()) == refunded
    assert Gift.objects.filter(frequency="monthly").count() == monthly
    assert all(gift.source == Gift.Source.IMPORT for gift in Gift.objects.all())
    assert f"{gifts} gift(s) added" in out
    assert campaign.raised == Decimal("1000") + given - refunded
    assert campaign.donor_count == 10 + gifts
    page = soup_of(client.get(campaign.get_absolute_url())).select_one(".progress__summary").get_text()
    assert page.startswith(f"${campaign.raised:,.0f} raised")
    # Nothing of the donors' columns is kept anywhere.
    stored = json.dumps([list(Gift.objects.values()), list(Refund.objects.values())], default=str)
    assert "Private" not in stored
    assert "@example.org" not in stored


def test_dates_and_time_zones_are_read_as_the_provider_writes_them(campaign, tmp_path):
    run("paypal", PAYPAL, campaign, tmp_path)
    assert Gift.objects.get(transaction_id="PP-1001").given_at.isoformat() == "2026-11-10T17:30:00+00:00"
    run("every_org", EVERY_ORG, campaign, tmp_path)
    assert Gift.objects.get(transaction_id="ch_eo_2").given_at.isoformat() == "2026-11-03T18:40:12.500000+00:00"


def test_importing_the_same_or_an_overlapping_export_again_adds_nothing_twice(campaign, tmp_path):
    run("donorbox", DONORBOX, campaign, tmp_path)
    out, _ = run("donorbox", DONORBOX, campaign, tmp_path)
    assert "0 gift(s) added" in out
    assert "0 refund(s) added" in out
    assert Gift.objects.count() == 2
    assert Refund.objects.count() == 1
    # A later export: one new gift, and db_2 now refunded in full.
    later = DONORBOX.replace("true,paid,10.0", "true,refunded,40.0") + (
        "db_3,Kim Private,kim@example.org,Spring,25.0,USD,0.98,2026-11-12T10:00:00.000Z,false,paid,0.0,ch_3\n"
    )
    out, _ = run("donorbox", later, campaign, tmp_path)
    assert "1 gift(s) added" in out
    assert Gift.objects.count() == 3
    assert sum(refund.amount for refund in Refund.objects.all()) == Decimal("40.00")
    campaign.forget_totals()
    assert campaign.raised == Decimal("1000") + Decimal("140") - Decimal("40")


def test_a_broken_file_names_each_bad_line_and_writes_nothing(campaign, tmp_path):
    broken = GIVEBUTTER.replace("50.00,1.75", "fifty,1.75").replace("2026-11-05 11:30:00", "next Tuesday")
    with pytest.raises(CommandError, match="nothing was imported"):
        run("givebutter", broken, campaign, tmp_path, name="broken.csv")
    err = StringIO()
    path = tmp_path / "broken.csv"
    with pytest.raises(CommandError):
        call_command("import_gifts", str(path), provider="givebutter", campaign=campaign.slug, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [
        f"{path}:2: the amount “fifty” is not an amount of money.",
        f"{path}:3: the date “next Tuesday” is not a date this importer reads (2026-11-21, or 11/21/2026).",
    ]
    assert not Gift.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PAYPAL, "wrong.csv:1: this is not a Givebutter export: it has no “Amount” column"),
        (DONORBOX, "wrong.csv:1: this is not a Givebutter export: it has no “Transaction ID” or “id” column"),
        ("", "this is not a Givebutter export"),
        ("Transaction ID,Amount,Currency,Transacted At\ngb_1,10,US DOLLARS,2026-11-01\n", "is not a three-letter code"),
        ("Transaction ID,Amount,Currency,Transacted At\ngb_1,10,USD,2026-11-01,extra\n", "more cells than the header"),
        ("Transaction ID,Amount,Currency,Transacted At\n,10,USD,2026-11-01\n", "the Transaction ID is empty"),
    ],
)
def test_files_that_are_not_the_export_are_refused_with_a_reason(campaign, tmp_path, text, message):
    err = StringIO()
    path = tmp_path / "wrong.csv"
    path.write_text(text)
    with pytest.raises(CommandError):
        call_command("import_gifts", str(path), provider="givebutter", campaign=campaign.slug, stderr=err)
    assert message in err.getvalue()
    assert not Gift.objects.exists()


def test_a_binary_file_or_an_unknown_campaign_is_refused(campaign, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_gifts", str(path), provider="paypal", campaign=campaign.slug, stderr=err)
    assert f"{path}:3: the file is not text (a NUL byte)" in err.getvalue()
    with pytest.raises(CommandError, match="No campaign has the slug “nope”"):
        call_command("import_gifts", str(path), provider="paypal", campaign="nope")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_gifts", str(tmp_path / "missing.csv"), provider="paypal", campaign=campaign.slug)


def test_rows_in_another_currency_are_not_counted_and_are_listed(campaign, tmp_path):
    out, _ = run("every_org", EVERY_ORG.replace("97.10,USD", "97.10,EUR"), campaign, tmp_path)
    assert Gift.objects.count() == 1
    assert "line 2: not counted: it is in EUR; the campaign counts USD" in out


def test_staff_import_an_export_from_the_campaigns_page(admin_client, campaign):
    url = f"/admin/donations/campaign/{campaign.pk}/import-gifts/"
    page = soup_of(admin_client.get(url))
    assert page.select_one("select[name=provider] option[selected]")["value"] == "givebutter"
    upload = SimpleUploadedFile("givebutter.csv", GIVEBUTTER.encode(), content_type="text/csv")
    response = admin_client.post(url, {"provider": "givebutter", "export": upload}, follow=True)
    messages = [message.message for message in response.context["messages"]]
    assert messages[0].startswith("givebutter.csv: 3 gift(s) added ($100), 1 refund(s) added")
    assert "line 4: not counted: its status is “failed”, not succeeded" in messages
    assert Gift.objects.count() == 3

    broken = SimpleUploadedFile("broken.csv", GIVEBUTTER.replace("20.00,0.88", "20..0,0.88").encode())
    response = admin_client.post(url, {"provider": "givebutter", "export": broken})
    assert response.status_code == 200
    page = soup_of(response)
    assert "Line 3: the amount “20..0” is not an amount of money." in page.select_one(".errornote").get_text()
    assert Gift.objects.count() == 3


def test_importing_needs_permission_to_change_the_campaign(client, campaign, django_user_model):
    staff = django_user_model.objects.create_user("viewer", password="a-long-test-password", is_staff=True)
    client.force_login(staff)
    assert client.get(f"/admin/donations/campaign/{campaign.pk}/import-gifts/").status_code == 403
    client.logout()
    response = client.get(f"/admin/donations/campaign/{campaign.pk}/import-gifts/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# Values no field can hold, or no gift can have ----------------------------------------------

ONE_ROW = "Transaction ID,Amount,Currency,Transacted At\n{id},{amount},USD,{date}\n"


def one_row(id="gb_1", amount="50.00", date="2026-11-04 10:00:00"):
    return ONE_ROW.format(id=id, amount=amount, date=date)


def still_readable(client, admin_client, campaign):
    """The campaign's public and admin pages still work, and show what they showed before."""
    campaign.forget_totals()
    assert campaign.raised == Decimal("1000")
    page = soup_of(client.get(campaign.get_absolute_url())).select_one(".progress__summary").get_text()
    assert page.startswith("$1,000 raised")
    assert admin_client.get(f"/admin/donations/campaign/{campaign.pk}/change/").status_code == 200


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param(
            one_row(amount="999999999999.999"),
            "the amount “999999999999.999” cannot be counted. One payment of more than 10,000,000",
            id="15 digits where the field holds 14",
        ),
        pytest.param(
            one_row(amount="50000000"),
            "the amount “50000000” cannot be counted. One payment of more than 10,000,000",
            id="more than any one gift",
        ),
        pytest.param(
            one_row(id="g" * 300),
            f"the transaction id “{'g' * 40}…” cannot be counted. Ensure this value has at most 255 characters",
            id="a 300-character transaction id",
        ),
        pytest.param(
            one_row(date="0001-01-01T00:00+14:00"),
            "the date “0001-01-01 00:00:00+14:00” cannot be counted. Givebutter took no payment before 2015",
            id="a date before the year 1 in UTC",
        ),
        pytest.param(
            one_row(date="9999-12-31T23:59-14:00"),
            "the date “9999-12-31 23:59:00-14:00” cannot be counted. It is in the future",
            id="a date after the year 9999 in UTC",
        ),
        pytest.param(
            one_row(date="1990-01-01"),
            "the date “1990-01-01 00:00:00+00:00” cannot be counted. Givebutter took no payment before 2015",
            id="before the provider existed",
        ),
        pytest.param(
            one_row(date="2027-12-25"),
            "the date “2027-12-25 00:00:00+00:00” cannot be counted. It is in the future",
            id="a date next year",
        ),
    ],
)
def test_a_value_no_gift_can_have_names_its_line_and_nothing_is_written(
    client, admin_client, campaign, tmp_path, row, message
):
    err = StringIO()
    path = tmp_path / "export.csv"
    path.write_text(row)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_gifts", str(path), provider="givebutter", campaign=campaign.slug, stderr=err)
    assert err.getvalue().startswith(f"{path}:2: {message}")
    assert not Gift.objects.exists()
    still_readable(client, admin_client, campaign)


def test_the_admins_import_form_names_each_line_no_gift_can_have(client, admin_client, campaign):
    rows = (
        one_row(amount="999999999999.999")
        + one_row(id="r" * 300).split("\n", 1)[1]
        + one_row(id="gb_3", date="0001-01-01T00:00+14:00").split("\n", 1)[1]
    )
    upload = SimpleUploadedFile("hostile.csv", rows.encode(), content_type="text/csv")
    url = f"/admin/donations/campaign/{campaign.pk}/import-gifts/"
    response = admin_client.post(url, {"provider": "givebutter", "export": upload})
    assert response.status_code == 200
    problems = [item.get_text() for item in soup_of(response).select(".errornote li")]
    assert [problem.split(":")[0] for problem in problems] == ["Line 2", "Line 3", "Line 4"]
    assert "the amount “999999999999.999” cannot be counted" in problems[0]
    assert "the transaction id" in problems[1]
    assert "the date “0001-01-01 00:00:00+14:00” cannot be counted" in problems[2]
    assert not Gift.objects.exists()
    still_readable(client, admin_client, campaign)


def test_a_refund_row_no_refund_can_have_names_its_line(client, admin_client, campaign, tmp_path):
    header, gift, *_ = PAYPAL.splitlines()
    refund = (
        '"11/12/2026","16:00:00","PST","Hal Private","Payment Refund","Completed","USD","-60.00","2.09","-57.91",'
        f'"hal@example.org","{"R" * 300}","PP-1001"'
    )
    late = gift.replace("11/10/2026", "11/10/2031").replace("PP-1001", "PP-1009")
    err = StringIO()
    path = tmp_path / "paypal.csv"
    path.write_text("\n".join([header, gift, refund, late]) + "\n")
    with pytest.raises(CommandError):
        call_command("import_gifts", str(path), provider="paypal", campaign=campaign.slug, stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith(f"{path}:3: the transaction id “{'R' * 40}…” cannot be counted")
    assert lines[1] == f"{path}:4: the date “2031-11-10 09:30:00-08:00” cannot be counted. It is in the future."
    assert not Gift.objects.exists()
    still_readable(client, admin_client, campaign)


# A refund takes money only from the campaign being imported ------------------------------------


def test_a_refund_imported_into_another_campaign_is_held_for_staff(client, admin_client, make_campaign):
    from donations.models import ProviderEvent

    first = make_campaign("First appeal", donate_url="https://www.paypal.com/donate/?hosted_button_id=A1")
    second = make_campaign("Second appeal", donate_url="https://www.paypal.com/donate/?hosted_button_id=B2")
    header, gift, _monthly, refund, *_ = PAYPAL.splitlines()
    bigger = gift.replace('"60.00","-2.39","57.61"', '"500.00","-9.00","491.00"')
    refund = refund.replace('"-60.00","2.09","-57.91"', '"-500.00","9.00","-491.00"')

    def upload(campaign, *rows):
        export = SimpleUploadedFile("paypal.csv", "\n".join([header, *rows]).encode(), content_type="text/csv")
        url = f"/admin/donations/campaign/{campaign.pk}/import-gifts/"
        response = admin_client.post(url, {"provider": "paypal", "export": export}, follow=True)
        return [message.message for message in response.context["messages"]]

    assert upload(first, bigger)[0].startswith("paypal.csv: 1 gift(s) added ($500)")
    messages = upload(second, refund)
    assert messages[0].startswith("paypal.csv: 0 gift(s) added ($0), 0 refund(s) added")
    assert messages[1] == (
        "line 2: not counted: it returns $500 of payment PP-1001, which counts towards “First appeal”: "
        "held for staff, nothing taken off"
    )
    assert not Refund.objects.exists()
    first.forget_totals()
    assert first.raised == Decimal("12500") + Decimal("500")
    summary = soup_of(client.get(first.get_absolute_url())).select_one(".progress__summary").get_text()
    assert summary.startswith("$13,000 raised")

    held = ProviderEvent.objects.get()
    assert (held.outcome, held.campaign, held.gift.campaign, held.amount) == ("held", second, first, Decimal("500"))
    page = soup_of(admin_client.get(f"/admin/donations/campaign/{second.pk}/change/"))
    flagged = page.select_one(".field-refunds_and_flags").get_text()
    assert "Line 2 of a PayPal export returns $500 of payment PP-1001" in flagged
    assert "“First appeal”" in flagged
    # Importing the same file again holds it once.
    assert upload(second, refund)[1].startswith("line 2: not counted: it returns $500 of payment PP-1001")
    assert ProviderEvent.objects.count() == 1


def test_a_gift_rows_refund_of_another_campaigns_gift_is_held_too(admin_client, make_campaign, tmp_path):
    from donations.models import ProviderEvent

    first = make_campaign("First appeal", donate_url="https://donorbox.org/first")
    second = make_campaign("Second appeal", donate_url="https://donorbox.org/second")
    run("donorbox", DONORBOX.replace("true,paid,10.0", "true,paid,0.0"), first, tmp_path)
    out, _ = run("donorbox", DONORBOX, second, tmp_path)
    assert "0 gift(s) added" in out
    assert "0 refund(s) added" in out
    assert "line 3: not counted: it returns $10 of payment db_2, which counts towards “First appeal”" in out
    assert not Refund.objects.exists()
    first.forget_totals()
    assert first.raised == Decimal("12500") + Decimal("115")
    assert ProviderEvent.objects.get().campaign == second


# Whatever a row holds ---------------------------------------------------------------------

ZONES = [datetime.UTC, *(datetime.timezone(datetime.timedelta(hours=hours)) for hours in (14, -14))]
COUNTABLE = {
    "id": st.from_regex(r"\A[A-Za-z0-9_-]{1,40}\Z"),
    "amount": st.decimals(min_value=Decimal("0.001"), max_value=Decimal("20000000"), places=3).map(str),
    "moment": st.datetimes(
        datetime.datetime(2014, 1, 1), datetime.datetime(2026, 12, 1), timezones=st.sampled_from(ZONES)
    ).map(lambda moment: moment.isoformat()),
}
ANYTHING = {
    "id": st.one_of(st.text(min_size=1, max_size=300), st.sampled_from(["PP-1001", "db_1", "x" * 255, "x" * 256])),
    "amount": st.one_of(
        st.from_regex(r"\A-?\d{1,15}(\.\d{1,4})?\Z"),
        st.decimals(allow_nan=False, allow_infinity=False).map(str),
        st.sampled_from(["999999999999.999", "99999999999.999", "10000000", "10000000.001", "0", "-0.001", "1e9"]),
        st.text(max_size=20),
    ),
    "moment": st.one_of(
        st.datetimes(timezones=st.sampled_from(ZONES)).map(lambda moment: moment.isoformat()),
        st.datetimes().map(lambda moment: moment.strftime("%m/%d/%Y %H:%M:%S") if moment.year >= 1000 else "1/1/1"),
        st.sampled_from(["0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "1990-01-01", "2026-11-04 10:00:00"]),
        st.text(max_size=30),
    ),
}


def row_of(kinds):
    """(id, amount, moment, amount refunded, payment it returns), each value of one of `kinds`."""
    fields = [(kinds, "id"), (kinds, "amount"), (kinds, "moment"), (kinds, "amount"), (kinds, "id")]
    return st.tuples(*(st.one_of(*(kind[name] for kind in chosen)) for chosen, name in fields))


# Half the rows are ones a gift can have, so that some files are imported and what they stored read back.
ROWS = st.lists(st.one_of(row_of([COUNTABLE]), row_of([COUNTABLE, ANYTHING])), min_size=1, max_size=3)


def csv_line(*cells):
    return ",".join('"' + str(cell).replace('"', '""') + '"' for cell in cells)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    provider=st.sampled_from(["paypal", "donorbox"]),
    rows=ROWS,
)
@example(provider="donorbox", rows=[("db_1", "999999999999.999", "2026-11-04", "0", "")])
@example(provider="paypal", rows=[("PP-1", "-5", "0001-01-01T00:00+14:00", "0", "PP-0" * 80)])
def test_whatever_a_row_holds_the_import_form_answers_and_stores_only_what_reads_back(
    admin_client, campaign, provider, rows
):
    if provider == "paypal":
        lines = ['"Date","Time","TimeZone","Type","Status","Currency","Gross","Transaction ID","Reference Txn ID"']
        for id, amount, moment, _refunded, original in rows:
            kind = "Payment Refund" if amount.startswith("-") else "Donation Payment"
            lines.append(csv_line(moment, "", "", kind, "Completed", "USD", amount, id, original))
    else:
        lines = ["Donation ID,Amount,Currency,Donation Date,Status,Amount Refunded"]
        lines += [csv_line(id, amount, "USD", moment, "paid", refunded) for id, amount, moment, refunded, _ in rows]
    upload = SimpleUploadedFile("export.csv", "\n".join(lines).encode(), content_type="text/csv")
    url = f"/admin/donations/campaign/{campaign.pk}/import-gifts/"
    with transaction.atomic():
        response = admin_client.post(url, {"provider": provider, "export": upload})
        assert response.status_code in {200, 302}
        event("refused" if response.status_code == 200 else f"imported, {Gift.objects.count()} gift(s)")
        if response.status_code == 200:  # refused: each line named, nothing written
            assert soup_of(response).select(".errornote li")
            assert not Gift.objects.exists()
        assert not unreadable_gifts()
        campaign.forget_totals()
        assert campaign.progress_summary()  # the sums the pages show read back too
        transaction.set_rollback(True)
