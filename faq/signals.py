"""
Treatment pages store their "Common questions" links as HTML (see
Treatment.refresh_stored_html): any change to a question, its topic's order
or its links to treatments re-renders the pages concerned.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from treatments.signals import refresh

from .models import Question, Topic


def _treatments_of(question):
    return list(question.related_treatments.values_list("pk", flat=True))


@receiver(post_save, sender=Question, dispatch_uid="related-html-question-saved")
def question_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(_treatments_of(instance))


@receiver(pre_delete, sender=Question, dispatch_uid="related-html-question-deleting")
def question_deleting(sender, instance, **kwargs):
    instance._treatments_before_delete = _treatments_of(instance)


@receiver(post_delete, sender=Question, dispatch_uid="related-html-question-deleted")
def question_deleted(sender, instance, **kwargs):
    refresh(getattr(instance, "_treatments_before_delete", []))


@receiver(m2m_changed, sender=Question.related_treatments.through, dispatch_uid="related-html-links-changed")
def links_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:  # treatment.questions.add(...): only that treatment's page changes
        if action.startswith("post_"):
            refresh([instance.pk])
        return
    if action == "pre_clear":
        instance._treatments_before_clear = _treatments_of(instance)
    elif action == "post_clear":
        refresh(getattr(instance, "_treatments_before_clear", []))
    elif action in {"post_add", "post_remove"}:
        refresh(pk_set or [])


@receiver(post_save, sender=Topic, dispatch_uid="related-html-topic-saved")
def topic_saved(sender, instance, raw=False, created=False, **kwargs):
    if not raw and not created:  # the topic's order decides the order of the links
        refresh(
            Question.related_treatments.through.objects.filter(question__topic=instance).values_list(
                "treatment_id", flat=True
            )
        )
