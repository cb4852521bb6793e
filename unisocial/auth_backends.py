"""The sign-in backend: Django's ModelBackend, loading on each request the one
fact about the user that every page's navigation needs (``is_records_officer``,
for the "Records" link) in the same query as the user, instead of one more."""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import RECORDS_OFFICERS_GROUP


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        User = get_user_model()
        officer = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=RECORDS_OFFICERS_GROUP)
        try:
            user = User._default_manager.annotate(_records_officer=Exists(officer)).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ProviderSignInBackend(UserBackend):
    """The backend a session signed in through the identity provider is recorded with
    (``unisocial.oidc``): it loads the user as ``UserBackend`` does and checks no password (it
    authenticates nobody). Its name in the session tells the second-factor gate that the provider's
    own factors held (SECOND_FACTOR_EXEMPT_BACKENDS, SPEC §7)."""

    def authenticate(self, request, **credentials):
        return None
