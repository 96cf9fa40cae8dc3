"""Keep each treatment's stored facts HTML in step with its points and references."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Reference, Treatment, TreatmentPoint


@receiver(post_save, sender=TreatmentPoint, dispatch_uid="facts-point-saved")
@receiver(post_delete, sender=TreatmentPoint, dispatch_uid="facts-point-deleted")
@receiver(post_save, sender=Reference, dispatch_uid="facts-reference-saved")
@receiver(post_delete, sender=Reference, dispatch_uid="facts-reference-deleted")
def refresh_treatment_facts(sender, instance, raw=False, **kwargs):
    if raw:
        return
    Treatment(pk=instance.treatment_id).refresh_facts_html()
