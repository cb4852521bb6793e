"""The login page's single sign-on offer (SPEC §7): ``{% oidc_provider as provider %}`` is the
provider's display name when OpenID Connect is configured, else ""."""
from django import template

from unisocial.oidc import oidc_enabled, provider_name

register = template.Library()


@register.simple_tag
def oidc_provider():
    return provider_name() if oidc_enabled() else ""
