"""The sentences of the communities' notifications, written when read (SPEC §7; see
``notifications.messages``). Registered by ``CommunitiesConfig.ready()``."""

from django.utils.translation import gettext as _

from notifications.messages import Facts, register

from .models import Role


@register("membership_request")
def _request(f: Facts) -> str:
    return _("%(user)s asks to join %(community)s.") % {"user": f.actor, "community": f.community}


@register("membership_added")
def _added(f: Facts) -> str:
    role = f.data.get("role", Role.MEMBER)
    label = Role(role).label.lower() if role in Role.values else role
    return _("You are now a %(role)s of %(community)s.") % {"role": label, "community": f.community}


@register("owner_appointed")
def _appointed(f: Facts) -> str:
    return _("A system manager (%(actor)s) appointed %(user)s owner of %(community)s.") % {
        "actor": f.actor, "user": f.user(), "community": f.community
    }


@register("membership_declined")
def _declined(f: Facts) -> str:
    return _("Your request to join %(community)s was declined.") % {"community": f.community}


@register("membership_removed")
def _removed(f: Facts) -> str:
    return _("Your membership of %(community)s has ended.") % {"community": f.community}


@register("membership_ending")
def _ending(f: Facts) -> str:
    return _("%(user)s's membership of %(community)s ends on %(date)s.") % {
        "user": f.user(), "community": f.community, "date": f.date("date")
    }
