"""Accounts: the user model and terms-of-use acceptance (SPEC §1, §5)."""
from django.conf import settings
from django.contrib.auth.models import AbstractUser, _user_has_perm
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager

RECORDS_OFFICERS_GROUP = "Records officers"


class User(AbstractUser):
    """A member of staff. Deactivating never deletes or hides content (SPEC §4)."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # SPEC §2.3: the rich-text editor by default; Markdown (today's textarea and toolbar) for those
    # who choose it, on their own profile (posts.views.editor_setting).
    writes_markdown = models.BooleanField(_("writes in Markdown"), default=False)
    # SPEC §7: the person's language, one of settings.LANGUAGES; blank until chosen (the identity
    # provider's claim, the profile, or the header switch), when the browser's is used.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default="")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def has_perm(self, perm, obj=None):
        # Django lets active superusers through every check; for an object the
        # access rule decides alone: system managers are not exempt (SPEC §2.2).
        if obj is not None:
            return self.is_active and _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    @cached_property
    def is_records_officer(self) -> bool:
        # Loaded with the user on each request by unisocial.auth_backends.UserBackend.
        annotated = self.__dict__.get("_records_officer")
        if annotated is not None:
            return annotated
        return self.groups.filter(name=RECORDS_OFFICERS_GROUP).exists()

    @cached_property
    def accepted_current_terms(self) -> bool:
        # One query on every request (the terms gate): the current version with
        # whether this user accepted it; no current version means nothing to accept.
        accepted = (
            TermsVersion.current_queryset()
            .annotate(
                accepted=models.Exists(
                    TermsAcceptance.objects.filter(user_id=self.pk, terms_id=models.OuterRef("pk"))
                )
            )
            .values_list("accepted", flat=True)
            .first()
        )
        return accepted is None or accepted


class TermsVersion(models.Model):
    """A version of the terms of use (ST/SGB/2004/15). The newest published one is current."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published at"), db_index=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("terms version")

    def __str__(self):
        return f"{self.title} ({self.version})"

    @classmethod
    def current_queryset(cls):
        """The current version first: the newest published one (``published_at`` not in the future)."""
        from django.utils import timezone

        return cls.objects.filter(published_at__lte=timezone.now()).order_by("-published_at")

    @classmethod
    def current(cls):
        return cls.current_queryset().first()


class TermsAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances"
    )
    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "terms"], name="one_acceptance_per_terms_version")
        ]

    def __str__(self):
        return f"{self.user} accepted {self.terms.version}"


class OIDCIdentity(models.Model):
    """The stable link from the identity provider's (issuer, subject) to a person (SPEC §7): a
    username the provider renames still maps to the same account. Written at sign-in only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities")
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last sign-in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("OpenID Connect identity")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_oidc_subject")]

    def __str__(self):
        return f"{self.user} ({self.issuer} {self.subject})"


class SignIn(models.Model):
    """A session a person signed in with (unisocial.accounts): deprovisioning ends them all, and a
    back-channel logout exactly those of the provider's session ``oidc_sid``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_ins")
    session_key = models.CharField(max_length=64, unique=True)
    oidc_issuer = models.CharField(max_length=255, blank=True, default="")
    oidc_sid = models.CharField(max_length=255, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
class ApiTokenManager(AuthTokenManager):
    def visible_to(self, user):
        """A token exists only for its owner: nobody else lists, reads or revokes it (SPEC §7)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ApiToken(AbstractAuthToken):
    """A person's API token (SPEC §7), django-rest-knox's model with a name and when it was last used.

    Knox keeps only a SHA-512 digest of the token (hashed at rest) and its first characters
    (``token_key``) to find it; the token itself is shown once, when it is created, and never
    again. Knox makes the digest the primary key; here a plain id is (it names the token in the
    owner's list and in ``DELETE /api/v1/me/tokens/<id>/`` without showing the digest).
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=128, unique=True)
    name = models.CharField(_("name"), max_length=100)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenManager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("API token")

    def __str__(self):
        return self.name
