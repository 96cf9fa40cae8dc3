"""E-mail to superusers when a campaign's donate links change: the one change that could send gifts elsewhere."""


def notify_superusers_of_link_change(user, campaign, described):
    """E-mail every superuser when a campaign's donate link changes: where the money goes is everyone's business."""
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    recipients = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    who = user.get_full_name() or user.get_username()
    send_mail(
        subject=f"Donate link changed on “{campaign.title}”",
        message=(
            f"{who} changed where the donate button of “{campaign.title}” sends donors.\n\n{described}\n\n"
            "If this was not expected, open the campaign's history in the admin and revert it."
        ),
        from_email=None,
        recipient_list=recipients,
    )
