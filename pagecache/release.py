"""
Which code is serving. Pages are stored under it (pagecache.middleware), and
search results too, so that a deploy that changes how a page looks never
serves what the previous code made.
"""

import functools
import hashlib
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings

from core.markdown import renderer_version

# What the fingerprint reads: everything that decides how a page looks.
RELEASE_FILES = ("*.py", "*.html", "*.css", "*.js")


@functools.lru_cache(maxsize=1)
def release():
    """
    Which code is serving: RIBBON_RELEASE when the deployment names it (a
    git commit, say), else a fingerprint of the project's own Python,
    templates and static files and of the markdown renderer, made once per
    process. Pages are stored under it, so a deploy that changes how pages
    look never serves a page the previous code rendered.
    """
    if settings.RIBBON_RELEASE:
        return settings.RIBBON_RELEASE
    base = Path(settings.BASE_DIR)
    folders = {Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(base)}
    folders |= {Path(folder) for folder in settings.STATICFILES_DIRS}
    folders |= {Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])}
    folders.add(Path(import_module(settings.ROOT_URLCONF).__file__).parent)  # settings and addresses
    digest = hashlib.sha256(renderer_version().encode())
    for path in sorted({file for folder in folders for pattern in RELEASE_FILES for file in folder.rglob(pattern)}):
        # Named relative to the project, so every server with the same code agrees.
        name = path.relative_to(base) if path.is_relative_to(base) else path
        digest.update(str(name).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
