"""
Form and model fields with Ribbon's own checks.

An ImageField that only ever stores a picture Ribbon has checked itself.

Django's own ImageField asks Pillow whether the upload looks like an image;
this one goes further, through `core.images.verified_image`: JPEG, PNG or
WebP judged by the bytes, within size and pixel limits, no polyglot, and
re-encoded (dropping EXIF data such as GPS positions) under a name the
server chooses.
"""

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import URLValidator
from django.db import models
from markdownx.fields import MarkdownxFormField

from core.images import ImageRejected, content_type_of, verified_image


def validate_web_url(value):
    """Links patients follow (references, glossary entries): public web pages only, http or https."""
    URLValidator(schemes=["http", "https"], message="Enter a web address starting with https:// or http://.")(value)


def one_kind_of_line_end(value):
    """Browsers send a textarea's lines ending in CR LF, imports and the shell in LF: keep LF only."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class TextFormField(forms.CharField):
    """
    Multi-line text with LF line ends, so that a browser's save of unchanged
    text is not a change (the admin's "Changed Body") nor a version whose
    diff marks every line.
    """

    def to_python(self, value):
        return one_kind_of_line_end(super().to_python(value))


class MarkdownFormField(MarkdownxFormField):
    def to_python(self, value):
        return one_kind_of_line_end(super().to_python(value))


class VerifiedImageFormField(forms.ImageField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None or upload is False or upload is initial:
            return upload
        limit = settings.RIBBON_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is larger than {limit // (1024 * 1024)} MB.", code="too_large")
        upload.seek(0)
        try:
            checked = verified_image(upload.read())
        except ImageRejected as error:
            raise forms.ValidationError(str(error), code="invalid_image") from None
        return SimpleUploadedFile(checked.name, checked.read(), content_type=content_type_of(checked))

    def to_python(self, data):
        try:
            return super().to_python(data)
        except forms.ValidationError:
            raise forms.ValidationError(
                "The file is not a readable JPEG, PNG or WebP picture.", code="invalid_image"
            ) from None


class VerifiedImageField(models.ImageField):
    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": VerifiedImageFormField, **kwargs})
