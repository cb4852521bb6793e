from django.contrib import admin
from django.urls import include, path

import communities.urls
import feed.urls
import feed.views
import posts.wiki_urls
import records.urls

from . import account_views, health, oidc, scim, views
from .i18n import javascript_catalog

# The communities namespace: the communities' own pages, a community's front page (feed), its
# wiki pages (posts) and its owners' exports (records), composed here because communities may not
# import the apps above it.
communities_patterns = (
    communities.urls.urlpatterns + feed.urls.community_patterns + posts.wiki_urls.community_patterns
    + records.urls.community_patterns
)

urlpatterns = [
    path("", feed.views.home, name="home"),
    # Liveness and readiness probes, for anyone; answered first by unisocial.health.HealthProbeMiddleware.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("terms/", views.terms, name="terms"),
    path("policies/", views.policies, name="policies"),
    # OpenID Connect sign-in and the provider's back-channel logout (404 unless OIDC_* configure one).
    path("accounts/oidc/authenticate/", oidc.AuthenticateView.as_view(), name="oidc_authentication_init"),
    path("accounts/oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("accounts/oidc/backchannel-logout/", oidc.backchannel_logout, name="oidc_backchannel_logout"),
    # Django's set_language, remembering the choice on a signed-in person too (SPEC §7).
    path("i18n/setlang/", views.set_language, name="set_language"),
    # SCIM-style deprovisioning by the identity provider (404 unless OIDC_DEPROVISION_TOKEN is set).
    path("scim/v2/Users/<str:ident>", scim.user, name="scim_user"),
    # The system managers' second factor (SPEC §7), before Django's own sign-in routes.
    path("accounts/otp/", account_views.otp_verify, name="otp-verify"),
    path("accounts/otp/enrol/", account_views.otp_enrol, name="otp-enrol"),
    # Signing out also signs a provider sign-in out of the provider (OIDC_OP_LOGOUT_ENDPOINT).
    path("accounts/logout/", oidc.LogoutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    # A person's own API tokens (SPEC §7), linked from their profile.
    path("settings/tokens/", account_views.api_tokens, name="api-tokens"),
    path("settings/tokens/<int:token_id>/revoke/", account_views.api_token_revoke, name="api-token-revoke"),
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("communities/", include((communities_patterns, communities.urls.app_name))),
    # /posts/…, /tags/<slug>/ and /people/<username>/ (the posts namespace)
    path("", include("posts.urls")),
    path("", include("notifications.urls")),
    path("", include("feed.urls")),
    path("moderation/", include("moderation.urls")),
    path("records/", include("records.urls")),
    path("api/v1/", include("unisocial.api_urls")),
    path("admin/", admin.site.urls),
]
