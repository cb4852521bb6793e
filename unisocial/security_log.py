"""Security events of signing in (SPEC §7, §8), logged on ``unisocial.security`` with an ``event``:

* ``login_failed``: a password sign-in refused — the site's login (/accounts/login/) and both admin
  sites' (/admin/, /moderation/), since each calls ``authenticate()``, which sends
  ``user_login_failed`` (django-axes counts the same signal);
* ``login_locked_out``: django-axes refused an account or an address after repeated failures.

The name tried is logged, never the password (Django's signal has it masked already).
"""

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .log import security_event

SITES = (("/admin/", "admin"), ("/moderation/", "moderation"))


def _where(request) -> dict:
    if request is None:
        return {"site": None, "ip_address": None}
    path = request.path
    site = next((name for prefix, name in SITES if path.startswith(prefix)), "site")
    return {"site": site, "ip_address": request.META.get("REMOTE_ADDR")}


@receiver(user_login_failed, dispatch_uid="unisocial.security_log.login_failed")
def login_failed(sender, credentials=None, request=None, **kwargs):
    username = (credentials or {}).get("username")
    security_event("login_failed", "sign-in failed", username=username, **_where(request))


def connect_lockouts():
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="unisocial.security_log.locked_out", weak=False)
    def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
        security_event(
            "login_locked_out", "sign-in locked out", username=username, **{**_where(request), "ip_address": ip_address}
        )
