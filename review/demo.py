"""
The demo reviewer. `load_demo` signs the demo's treatments and answers off
through the same approval a clinician gives, so every trust signal on a demo
page ("Medically reviewed by … on …", the next review date, `reviewedBy` in
the page's data) is true, and the name it prints says plainly that the
reviewer is a stand-in, not a clinician.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from .models import APPROVE_PERMISSION, Reviewer

DEMO_REVIEWER_USERNAME = "demo-reviewer"
DEMO_REVIEWER_NAME = "Demo Reviewer (sample content, not a clinician)"
DEMO_REVIEWER_CREDENTIALS = "stand-in for a medical reviewer"


def demo_reviewer():
    """
    The demo reviewer's account, made the first time demo content needs it: staff
    allowed to approve and nothing else, with no usable password, so nobody can
    log in as it. Found again by its username, and then left as staff keep it.
    """
    users = get_user_model()
    user = users.objects.filter(username=DEMO_REVIEWER_USERNAME).first()
    if user is None:
        user = users.objects.create_user(DEMO_REVIEWER_USERNAME, password=None, is_staff=True)
        app_label, codename = APPROVE_PERMISSION.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        user = users.objects.get(pk=user.pk)  # a user's permissions are cached on the instance
    every_language = [code for code, _name in settings.LANGUAGES]  # the demo is in each of them
    Reviewer.objects.get_or_create(
        user=user,
        defaults={
            "display_name": DEMO_REVIEWER_NAME,
            "credentials": DEMO_REVIEWER_CREDENTIALS,
            "languages": every_language,
        },
    )
    return user


def approve_as_demo_reviewer(items):
    """Approve demo pages (MedicalContent) as the demo reviewer, all or none; returns how many."""
    items = list(items)
    if items:
        with transaction.atomic():
            by = demo_reviewer()
            for item in items:
                item.approve(by)
    return len(items)
