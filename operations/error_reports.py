"""
Error reports to Sentry, only when SENTRY_DSN is set (settings calls
`start_error_reports`); without it sentry-sdk is never even imported.

A report says where the code failed, never who was using it. Patients search
for what worries them and staff type passwords, so besides Sentry's own
"no personal data" switch (no user, no address, no cookies, no SQL values):

- no request body, of any size;
- no local variables of the failing code (they hold form fields and query text);
- no query string, no cookies, no environment, and of the request's headers
  only the few that say what kind of request it was (`REPORTED_HEADERS`).
"""

from django.core.exceptions import ImproperlyConfigured

# What a report keeps of the request's headers: enough to tell a browser from a bot, nothing that names anyone
# (Referer, for one, can carry the address of a search and its words).
REPORTED_HEADERS = frozenset({"host", "user-agent", "accept", "accept-language", "content-type", "content-length"})


def without_personal_data(event, hint=None):
    """Sentry's before_send: the request part of a report, cut down to the method, the path and a few headers."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in ("query_string", "cookies", "data", "env"):
            request.pop(part, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {name: value for name, value in headers.items() if name.lower() in REPORTED_HEADERS}
    event.pop("user", None)
    return event


def start_error_reports(dsn, *, environment, release):
    """Send unhandled errors (and lines logged at ERROR) to the Sentry project of `dsn`."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn as error:
        raise ImproperlyConfigured(
            f"SENTRY_DSN is not a Sentry DSN ({error}); copy the DSN from the Sentry project's settings."
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=without_personal_data,
        # Errors only: no performance traces or profiles are collected.
        traces_sample_rate=None,
    )
