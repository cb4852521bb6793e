"""What the records pages share: the officers-only decorator, levels as text, pagination,
CSV detection, community slugs, and the geometry of the SVG bar charts.

Charts are SVG drawn on the server (sizes computed here, passed as attributes: the CSP
forbids inline styles and scripts).
"""
import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from communities.models import Community
from unisocial.classification import Level

PAGE_SIZE = 50


def officer_required(view):
    """Records officers only: anonymous users go to the login page, everyone else gets 403."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_records_officer:
            raise PermissionDenied(_("Only records officers may see the records reports."))
        return view(request, *args, **kwargs)

    return wrapped


def level_text(level) -> str:
    try:
        return str(Level(level).label)
    except ValueError:
        return level or ""


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def paginate(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def community_slugs(ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(Community.objects.filter(pk__in=ids).values_list("pk", "slug"))


def bar_chart(series, *, height=160, bar_width=28, gap=10, group_gap=24):
    """Geometry of a grouped bar chart as attributes for an SVG.

    ``series``: ``[(group_label, [(key, label, value), ...]), ...]``. Returns the
    groups with their bars' x, y, width, height (integers) and the chart's size.
    """
    top = max((v for _g, bars in series for _k, _l, v in bars), default=0) or 1
    groups, x = [], 40
    for group_label, bars in series:
        drawn, start = [], x
        for key, label, value in bars:
            h = round(value * height / top)
            drawn.append({"key": key, "label": label, "value": value, "x": x, "y": 10 + height - h,
                          "width": bar_width, "height": h})
            x += bar_width + gap
        groups.append({"label": group_label, "bars": drawn, "x": start, "mid": (start + x - gap) // 2})
        x += group_gap
    return {"groups": groups, "width": max(x + 10, 200), "height": height + 50, "base": 10 + height,
            "top": top, "label_y": height + 30}
