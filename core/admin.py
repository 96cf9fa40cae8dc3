from django.db import models

# Editors paste addresses without a scheme ("www.cancer.gov/…"); the web is https.
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}
