"""Archiving and un-archiving communities in the browser (SPEC §4): records officers only.

The page lists the archived communities (slug and date: metadata) and offers one form to
archive or un-archive a community by its slug, with a reason; the service
(``records.archiving``) checks, refuses and writes the records audit log row."""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.models import Community

from .. import archiving
from .common import officer_required, paginate


class ArchiveForm(forms.Form):
    ACTIONS = [("archive", gettext_lazy("Archive (read-only)")), ("unarchive", gettext_lazy("Un-archive"))]

    community = forms.SlugField(label=gettext_lazy("Community slug"), max_length=80)
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_community(self):
        # Records officers act on any community (SPEC §4), as they place holds on any: by slug.
        slug = self.cleaned_data["community"]
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise ValidationError(_("There is no community “%(slug)s”.") % {"slug": slug})
        return community


@officer_required
def archiving_page(request):
    form = ArchiveForm(request.POST or None, initial={"action": request.GET.get("action") or "archive",
                                                      "community": request.GET.get("community", "")})
    if request.method == "POST" and form.is_valid():
        community = form.cleaned_data["community"]
        act = archiving.community_archive if form.cleaned_data["action"] == "archive" else archiving.community_unarchive
        try:
            act(actor=request.user, community=community, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            done = _("%(slug)s was archived.") if form.cleaned_data["action"] == "archive" \
                else _("%(slug)s was un-archived.")
            messages.success(request, done % {"slug": community.slug})
            return redirect("records:archiving")
    archived = Community.objects.filter(is_archived=True).order_by("-archived_at", "pk").only(
        "pk", "slug", "archived_at"
    )
    return render(request, "records/archiving.html", {"form": form, "page_obj": paginate(request, archived)},
                  status=400 if form.errors else 200)
