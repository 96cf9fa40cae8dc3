"""
Keep each treatment's stored HTML (facts and topics, see
Treatment.refresh_stored_html) in step with the rows it is made from.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import Reference, Tag, Treatment, TreatmentPoint


def refresh(treatment_ids):
    for treatment_id in set(treatment_ids):
        Treatment(pk=treatment_id).refresh_stored_html()


@receiver(post_save, sender=TreatmentPoint, dispatch_uid="stored-html-point-saved")
@receiver(post_delete, sender=TreatmentPoint, dispatch_uid="stored-html-point-deleted")
@receiver(post_save, sender=Reference, dispatch_uid="stored-html-reference-saved")
@receiver(post_delete, sender=Reference, dispatch_uid="stored-html-reference-deleted")
def point_or_reference_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh([instance.treatment_id])


@receiver(m2m_changed, sender=Treatment.tags.through, dispatch_uid="stored-html-tags-changed")
def tags_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action == "pre_clear" and reverse:
        # tag.treatments.clear(): remember whom it concerns before the rows go.
        instance._treatments_before_clear = list(instance.treatments.values_list("pk", flat=True))
    if not action.startswith("post_"):
        return
    if not reverse:
        refresh([instance.pk])
    elif action == "post_clear":
        refresh(getattr(instance, "_treatments_before_clear", []))
    else:
        refresh(pk_set or [])


@receiver(post_save, sender=Tag, dispatch_uid="stored-html-tag-saved")
def tag_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh(instance.treatments.values_list("pk", flat=True))


@receiver(pre_delete, sender=Tag, dispatch_uid="stored-html-tag-deleting")
def tag_deleting(sender, instance, **kwargs):
    instance._treatments_before_delete = list(instance.treatments.values_list("pk", flat=True))


@receiver(post_delete, sender=Tag, dispatch_uid="stored-html-tag-deleted")
def tag_deleted(sender, instance, **kwargs):
    refresh(getattr(instance, "_treatments_before_delete", []))
