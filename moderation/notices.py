"""The sentences of moderation's notifications, written when read in the reader's language
(SPEC §7, §3; see ``notifications.messages``). Registered by ``ModerationConfig.ready()``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.messages import Facts, register
from unisocial.classification import Level

from .models import ModerationAction

Action = ModerationAction.Action

OUTCOME = {
    Action.APPROVE: gettext_lazy("was approved and published"),
    Action.REJECT: gettext_lazy("was rejected by moderation"),
    Action.DISMISS: gettext_lazy("was reviewed: the reports about it were dismissed"),
    Action.HIDE: gettext_lazy("was hidden by moderation pending review"),
    Action.RESTORE: gettext_lazy("was restored by moderation"),
    Action.RECLASSIFY: gettext_lazy("was reclassified by moderation"),
    Action.ESCALATE: gettext_lazy("was reported to management"),
    Action.RESOLVE: gettext_lazy("was reviewed by management"),
}


@register("moderation_outcome")
def _outcome(f: Facts) -> str:
    """What happened to the author's item; its title and the reason only while it is unclassified."""
    values = {
        "what": f.what,
        "outcome": OUTCOME.get(f.data.get("action"), gettext_lazy("was reviewed by moderation")),
        "community": f.community,
        "level": f.level_label,
    }
    if f.level == Level.UNCLASSIFIED and f.title:
        message = _("Moderation: your %(what)s “%(title)s” in %(community)s %(outcome)s.") % {
            **values, "title": f.title
        }
        if f.data.get("reason"):
            message = f"{message} {_('Reason:')} {f.data['reason']}"
        return message
    # No title, body, excerpt — nor the reason, which may quote them (SPEC §2.4).
    return _("Moderation: your %(level)s %(what)s in %(community)s %(outcome)s.") % values


@register("escalation")
def _escalation(f: Facts) -> str:
    values = {"community": f.community, "level": f.level_label, "what": f.what}
    if f.level == Level.UNCLASSIFIED:
        return _("Escalation: a %(what)s in %(community)s was reported to management.") % values
    return _("Escalation: a %(level)s %(what)s in %(community)s was reported to management.") % values


@register("escalation_unnamed")
def _escalation_unnamed(f: Facts) -> str:
    return _("Escalation: a %(level)s %(what)s in a community you are not in was reported to management.") % {
        "level": f.level_label, "what": f.what
    }
