"""The six languages (SPEC §7): which one a claim or a header names.

``language_from_claim`` maps what an identity provider says (the OpenID Connect ``locale``
claim, a BCP 47 tag such as ``fr-CA``, ``zh-CN``, ``zh-Hans-CN`` or ``es_419``) to one of
``settings.LANGUAGES``, or ``""`` when it names none of them (the browser's language then serves).
The OIDC sign-in sets ``User.language`` from it (``set_language_from_claims``) when the person
has not chosen one themselves.
"""

from django.conf import settings

CODES = tuple(code for code, _name in settings.LANGUAGES)

# Chinese is offered as Simplified (zh-hans); the provider may say it many ways.


def language_from_claim(value) -> str:
    """One of ``settings.LANGUAGES``' codes for the tag ``value``, or ``""``."""
    tag = str(value or "").strip().replace("_", "-").lower()
    if not tag:
        return ""
    if tag in CODES:
        return tag
    if tag.split("-", 1)[0] == "zh":
        # The organisation's Chinese is written in simplified characters; a reader whose provider
        # says zh-TW or zh-Hant reads it more easily than any other of the six.
        return "zh-hans" if "zh-hans" in CODES else ""
    primary = tag.split("-", 1)[0]
    return primary if primary in CODES else ""


def set_language_from_claims(user, claims: dict, *, save=True) -> str:
    """At sign-in: the provider's language claim (``locale``, else ``preferred_language``) as the
    person's language. It is the default (SPEC §7): it fills a blank ``User.language`` only, so
    a person who chose their own (profile, header switch) keeps it. Returns their language."""
    language = language_from_claim(claims.get("locale") or claims.get("preferred_language"))
    if language and not user.language:
        user.language = language
        if save and user.pk:
            user.save(update_fields=["language"])
    return user.language
