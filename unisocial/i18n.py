"""The JavaScript translation catalogue (SPEC §7): the djangojs domain of locale/<l>/LC_MESSAGES/,
served at /jsi18n/ for every page, signed in or not (the terms gate lets it through).

It is static code, not data: the same for everyone reading a language. The server caches it per
language (cache_page keys by the active language), and pages ask for it at an address that names
the language and a digest of the compiled catalogues (``catalogue_url``), so a browser keeps it for
a day yet fetches it again after a language switch or a deploy with new translations.
"""
import hashlib
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog

CACHE_SECONDS = 60 * 60 * 24

# unisocial's own locale/ directories only (LOCALE_PATHS): not the admin's strings, which the
# admin sites serve at their own jsi18n/.
javascript_catalog = cache_page(CACHE_SECONDS, key_prefix="jsi18n")(JavaScriptCatalog.as_view(packages=["unisocial"]))


@lru_cache(maxsize=1)
def catalogues_digest() -> str:
    digest = hashlib.sha256()
    for folder in settings.LOCALE_PATHS:
        for path in sorted(folder.glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def catalogue_url(language: str) -> str:
    return f"{reverse('javascript-catalog')}?l={language}&v={catalogues_digest()}"
