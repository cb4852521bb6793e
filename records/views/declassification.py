"""The declassification review page, ``/records/declassification/`` (SPEC §4, ST/SGB/2007/6).

Records officers only (``officer_required``: anonymous → login, everyone else 403).
GET lists the items due for review — metadata only, never a title or a body —
with filters, counts per level, pagination and a CSV export (``?format=csv``).
Each row carries a small form: declassify to a lower level, or mark reviewed and
kept, with a reason. A refused decision re-renders the page (400) with the errors
on that row, and changes nothing; a decision made redirects back with a message.
"""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from communities.models import Community
from unisocial import items
from unisocial.classification import Level, rank
from unisocial.csv_export import csv_response

from .. import declassification
from ..models import DeclassificationReview
from .common import community_slugs, level_text, officer_required, paginate, wants_csv

TYPE_CHOICES = [("", gettext_lazy("Posts and wiki pages")), ("post", gettext_lazy("Posts")),
                ("wiki", gettext_lazy("Wiki pages"))]
LEVEL_CHOICES = [("", gettext_lazy("Confidential and strictly confidential")),
                 (Level.CONFIDENTIAL.value, Level.CONFIDENTIAL.label),
                 (Level.STRICTLY_CONFIDENTIAL.value, Level.STRICTLY_CONFIDENTIAL.label)]
REVIEW_CHOICES = [("", pgettext_lazy("items", "All")), ("unreviewed", gettext_lazy("Not yet reviewed")),
                  ("reviewed", gettext_lazy("Reviewed"))]
CSV_HEADER = ["type", "id", "community", "classification", "listed_for", "status", "created_at", "last_activity_at",
              "reviewed", "latest_decision", "latest_from_level", "latest_to_level", "latest_decided_at",
              "latest_decided_by"]


class FilterForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=LEVEL_CHOICES, required=False)
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=TYPE_CHOICES, required=False)
    community = forms.SlugField(label=gettext_lazy("Community (slug)"), max_length=80, required=False)
    review = forms.ChoiceField(label=gettext_lazy("Review"), choices=REVIEW_CHOICES, required=False)

    def clean_community(self):
        slug = self.cleaned_data.get("community")
        if not slug:
            return None
        found = Community.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if found is None:
            raise ValidationError(_("There is no community “%(slug)s”.") % {"slug": slug})
        return found


class DecisionForm(forms.Form):
    target_type = forms.ChoiceField(choices=[("post", "post"), ("wiki", "wiki")], widget=forms.HiddenInput)
    target_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=DeclassificationReview.Decision.choices,
                                 error_messages={"required": gettext_lazy("Choose declassify or keep.")})
    to_level = forms.ChoiceField(label=gettext_lazy("Declassify to"), choices=[("", "—"), *Level.choices],
                                 required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000,
                             error_messages={"required": gettext_lazy("Give the reason for this decision.")})


def _rows(page, failed=None):
    slugs = community_slugs(r["community_id"] for r in page)
    rows = []
    for r in page:
        key = f"{r['target_type']}-{r['target_id']}"
        rows.append({
            **r,
            "key": key,
            "community": slugs.get(r["community_id"]),
            "type_label": capfirst(items.item_type(r["target_type"]).verbose_name),
            "listed_for": declassification.listed_for(r["level"]),
            "reviewed": r["latest_to_level"] == r["level"],
            "decision_label": dict(DeclassificationReview.Decision.choices).get(r["latest_decision"], ""),
            # The next level down first: the smallest step is the default choice.
            "lower_levels": [(lv.value, lv.label) for lv in reversed(Level) if rank(lv) < rank(r["level"])],
            "failed": failed if failed and failed["key"] == key else None,
        })
    return rows


def _count_rows(counts):
    rows = [
        {"level": level, "listed_for": declassification.listed_for(level), "listed": counts[level],
         "reviewed": counts[f"{level}_reviewed"], "unreviewed": counts[level] - counts[f"{level}_reviewed"]}
        for level in declassification.REVIEW_LEVELS
    ]
    total = {"listed": counts["total"], "reviewed": counts["reviewed"],
             "unreviewed": counts["total"] - counts["reviewed"]}
    return {"levels": rows, "total": total}


def _csv(rows):
    rows = list(rows)
    slugs = community_slugs(r["community_id"] for r in rows)
    return csv_response("records-declassification.csv", CSV_HEADER, (
        [r["target_type"], r["target_id"], slugs.get(r["community_id"]), level_text(r["level"]),
         "declassification" if r["level"] == Level.CONFIDENTIAL else "review", r["status"], r["created_at"],
         r["last_activity"], "yes" if r["latest_to_level"] == r["level"] else "no", r["latest_decision"],
         level_text(r["latest_from_level"]), level_text(r["latest_to_level"]), r["latest_decided_at"],
         r["latest_decided_by"]]
        for r in rows
    ))


def _decide(request):
    """Apply a posted decision; return ``None`` when done, else the failure to show on its row."""
    form = DecisionForm(request.POST)
    key = f"{request.POST.get('target_type', '')}-{request.POST.get('target_id', '')}"
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = declassification.load_target(actor=request.user, target_type=data["target_type"],
                                                target_id=data["target_id"])
            review = declassification.decide(actor=request.user, item=item, decision=data["decision"],
                                             to_level=data["to_level"] or None, reason=data["reason"])
        except Http404:
            form.add_error(None, _("There is no such item."))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields and field not in ("target_type", "target_id")
                               else None, errors)
        else:
            name = f"{review.get_target_type_display()} {review.target_id}"
            if review.decision == DeclassificationReview.Decision.DECLASSIFIED:
                messages.success(request, _("%(item)s declassified from %(from)s to %(to)s.") % {
                    "item": name, "from": level_text(review.from_level), "to": level_text(review.to_level)})
            else:
                messages.success(request, _("%(item)s reviewed and kept at %(level)s.") % {
                    "item": name, "level": level_text(review.to_level)})
            return None
    return {"key": key, "form": form, "label": key.replace("-", " ")}


@officer_required
def review_list(request):
    failed = None
    if request.method == "POST":
        failed = _decide(request)
        if failed is None:
            return redirect(request.get_full_path())
    filters = FilterForm(request.GET or None)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    rows = declassification.due_for_review(
        level=wanted.get("level") or None, community_id=wanted.get("community"),
        target_type=wanted.get("type") or None, review=wanted.get("review") or None,
    )
    if wants_csv(request):
        return _csv(rows)
    page = paginate(request, rows)
    return render(request, "records/declassification.html", {
        "filters": filters,
        "page_obj": page,
        "rows": _rows(page, failed),
        "failed": failed,
        "counts": _count_rows(declassification.review_counts()),
        "years": declassification.review_years(),
    }, status=400 if failed else 200)
