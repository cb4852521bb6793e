"""The authorization matrix of both admin sites, generated from their registries.

Rows come from the sites' registries (``admin.site._registry`` for /admin/, the owners' site
``moderation.sites.moderation_site`` for /moderation/): for every registered ModelAdmin its
changelist (plain, ``?q=`` search, every list filter with the world's values — invisible
communities' ids included), add page, and the change, history and delete pages of every world
row of its model plus a missing id; for every site its index, app indexes, autocomplete (one row per
remote model with a search), ``r/<ct>/<id>/`` shortcut for every world object with an address, and
any extra page a ModelAdmin adds (guardian's permission pages).

Expected answers (SPEC §2.2, §3): the site's gate first (anonymous and unauthorized roles to the
site's login, a role that has not accepted the terms to the terms); past the gate, the object a role
may not see answers exactly as a missing id does (status and redirect, id aside), the one it may
see opens; every answer is searched for the secret words of what the role may not see
(``world.leaks``). Who may see a row is read from the SPEC in ``matrix.py``; nothing here asks the app.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import matrix as m

MISSING_ID = 987654321
SAME_AS_MISSING = "same as a missing id"


def sites():
    from moderation.sites import moderation_site

    return {"admin": admin.site, "moderation": moderation_site}


def passes_gate(site_name, role) -> str | None:
    """None if ``role`` enters the site; else the answer it gets (SPEC §2.2: superusers not exempt)."""
    if site_name == "admin":
        if role == "anonymous":
            return m.ADMIN_LOGIN
        if role == "no_terms":
            return m.TERMS
        return None if role == "superuser" else m.ADMIN_LOGIN
    if role == "anonymous":
        return m.MODERATION_LOGIN
    if role == "no_terms":
        return m.TERMS
    return None if m.COMMUNITY_ROLE.get(role) in ("owner", "moderator") else m.MODERATION_LOGIN


@dataclass(frozen=True)
class AdminCase:
    site: str
    admin: str  # "app.model" of the ModelAdmin, or "site" for the site's own pages
    kind: str  # index, app_index, changelist, search, filter, add, change, history, delete, shortcut, ...
    path: str
    target: str = ""  # which world row (for messages)
    visible: tuple = field(default_factory=tuple)  # roles that may see the target (past the gate)
    has_target: bool = False
    missing_path: str = ""  # the same page for a missing id
    target_id: str = ""
    ok: tuple = ("200",)  # acceptable answers for a role past the gate that may see the target
    ungated: bool = False  # a page outside the site's gate (login, logout)

    def key(self) -> str:
        return f"{self.site}:{self.admin}:{self.kind}:{self.target}"


# --- who may see which world row ------------------------------------------------------------


def _roles(pred):
    return tuple(r for r in m.ROLES if r != "anonymous" and pred(r))


def world_rows(world):
    """label -> [(description, obj, roles that may see it)] for the rows the SPEC speaks of."""
    from communities.models import JoinRequest, Membership, MembershipEvent
    from records.models import StalenessReview

    rows = {}
    comm = []
    for key, c in world["communities"].items():
        comm.append((key, c, _roles(lambda r, k=key: m.community_visible(r, k))))
    rows["communities.community"] = comm
    by_community = {}
    for model in (Membership, JoinRequest, MembershipEvent, StalenessReview):
        field_name = "content_object" if model is Membership else "community"
        entries = []
        for key, c, roles in comm:
            obj = model._default_manager.filter(**{field_name: c}).order_by("pk").first()
            entries.append((key, obj, roles))
        by_community[model._meta.label_lower] = entries
    rows.update(by_community)
    posts = [(item.key, world["posts"][item], _roles(lambda r, i=item: m.item_visible(r, i))) for item in m.POSTS]
    rows["posts.post"] = posts
    rows["moderation.moderatedpost"] = posts
    rows["moderation.moderatedcomment"] = [
        (f"comment on {item.key}", world["comments"][item], _roles(lambda r, i=item: m.item_visible(r, i)))
        for item in m.POSTS
    ]
    rows["moderation.moderatedwikipage"] = [
        (item.key, world["wiki"][item], _roles(lambda r, i=item: m.item_visible(r, i))) for item in m.WIKI_PAGES
    ]
    rows["posts.wikipage"] = rows["moderation.moderatedwikipage"]
    rows["posts.comment"] = rows["moderation.moderatedcomment"]
    rows["moderation.flag"] = [
        (f"flag on {item.key}", world["flags"][item], _roles(lambda r, i=item: m.flag_visible(r, i)))
        for item in m.POSTS
    ]
    rows["moderation.moderationaction"] = [
        (f"action on {item.key}", world["actions"][item], _roles(lambda r, i=item: m.action_visible(r, i)))
        for item in m.POSTS
    ]
    rows["posts.tag"] = [
        (f"tag of {item.key}", world["posts"][item].tags.get(), _roles(lambda r, i=item: m.item_visible(r, i)))
        for item in m.POSTS
    ]
    rows["unisocial.user"] = [("outsider", world["users"]["outsider"], _roles(lambda r: True))]
    # An identity provider's link to a person: no content, for every system manager (only /admin/
    # registers it; test_admin_oracles.py holds /moderation/ to the same answer as for no such page).
    rows["unisocial.oidcidentity"] = [("outsider's identity", world["identity"], _roles(lambda r: True))]
    # The permanent record of a strictly confidential post destroyed in the restricted community:
    # it names that community, so in /admin/ it is for those who see such an item there — its owners
    # (records officers read these records at /records/, SPEC §4).
    from records.models import DispositionRecord

    rows["records.dispositionrecord"] = [
        ("record in restricted", DispositionRecord.objects.order_by("pk").first(),
         _roles(lambda r: m.COMMUNITY_ROLE.get(r) == "owner")),
    ]
    return rows


CONTENT_LABELS = {
    "communities.community", "communities.membership", "communities.joinrequest", "communities.membershipevent",
    "records.stalenessreview", "posts.post", "posts.wikipage", "posts.comment", "posts.tag",
    "moderation.moderatedpost", "moderation.moderatedcomment", "moderation.moderatedwikipage",
    "moderation.flag", "moderation.moderationaction", "records.dispositionrecord",
}


def _rows_for(model, rows):
    label = model._meta.label_lower
    if label in rows:
        return [(d, o, v) for d, o, v in rows[label] if o is not None]
    if label in CONTENT_LABELS:
        return []
    # Not content (accounts, terms, schedules, records metadata): any row, visible to whoever enters.
    obj = model._default_manager.order_by("pk").first()
    return [("first row", obj, _roles(lambda r: True))] if obj is not None else []


# --- list filters ---------------------------------------------------------------------------


def _filter_params(model, spec, world):
    """(param, value) pairs a changelist filter takes, with the world's values."""
    community_pks = [str(c.pk) for c in world["communities"].values()]
    if isinstance(spec, type) and issubclass(spec, SimpleListFilter):
        if spec.parameter_name == "community":
            return [(spec.parameter_name, pk) for pk in community_pks]
        try:
            lookups = spec.lookups(spec.__new__(spec), None, None) or []
        except Exception:  # a lookups() that needs the request: its community values are covered above
            lookups = []
        return [(spec.parameter_name, str(value)) for value, _label in list(lookups)[:3]]
    if isinstance(spec, (tuple, list)):
        spec = spec[0]
    if not isinstance(spec, str):
        return []
    try:
        fld = model
        parts = spec.split("__")
        for part in parts[:-1]:
            fld = fld._meta.get_field(part).related_model
        db_field = fld._meta.get_field(parts[-1])
    except Exception:
        return []
    if db_field.is_relation:
        from communities.models import Community

        if db_field.related_model is Community:
            return [(f"{spec}__id__exact", pk) for pk in community_pks]
        return [(f"{spec}__isnull", "True")]
    if db_field.choices:
        return [(f"{spec}__exact", str(value)) for value, _label in list(db_field.flatchoices)[:4]]
    if isinstance(db_field, models.BooleanField):
        return [(f"{spec}__exact", "1")]
    return [(f"{spec}__isnull", "True")]


# --- the rows -------------------------------------------------------------------------------


def admin_cases(world) -> list[AdminCase]:
    rows = world_rows(world)
    cases = []
    for site_name, site in sites().items():
        base = f"/{site_name}/"
        everyone = _roles(lambda r: True)
        cases.append(AdminCase(site_name, "site", "index", base, visible=everyone))
        cases.append(AdminCase(site_name, "site", "password_change", f"{base}password_change/", visible=everyone))
        cases.append(AdminCase(site_name, "site", "password_change_done", f"{base}password_change/done/",
                               visible=everyone))
        cases.append(AdminCase(site_name, "site", "jsi18n", f"{base}jsi18n/", visible=everyone))
        # Outside the gate: the site's own login page, and its logout (POST only; GET sent back).
        anyhow = ("200", "302", "405", m.TERMS, m.ADMIN_LOGIN, m.MODERATION_LOGIN)
        cases.append(AdminCase(site_name, "site", "login", f"{base}login/", visible=everyone, ok=anyhow,
                               ungated=True))
        cases.append(AdminCase(site_name, "site", "logout", f"{base}logout/", visible=everyone, ok=anyhow,
                               ungated=True))
        # Missing parameters: refused (403) past the gate.
        cases.append(AdminCase(site_name, "site", "autocomplete", f"{base}autocomplete/", visible=everyone,
                               ok=("403",)))
        # Unknown pages of the site: 404 past the gate (the catch-all view).
        cases.append(AdminCase(site_name, "site", "catch_all", f"{base}no-such-page/", visible=everyone,
                               ok=("404", "301", "302")))
        app_labels = sorted({mdl._meta.app_label for mdl in site._registry})
        for app_label in app_labels:
            cases.append(AdminCase(site_name, "site", "app_index", f"{base}{app_label}/", target=app_label,
                                   visible=everyone))
        autocomplete_done = set()
        for model, model_admin in site._registry.items():
            label = model._meta.label_lower
            # Pages a ModelAdmin adds of its own, without parameters (e.g. "Appoint an owner"): open
            # past the gate, and scanned for secret words like every other page.
            standard = {"changelist", "add", "history", "delete", "change"}
            for pattern in model_admin.get_urls():
                name = getattr(pattern, "name", None) or ""
                route = str(pattern.pattern)
                if name.rsplit("_", 1)[-1] in standard or "<" in route or not route:
                    continue
                cases.append(AdminCase(site_name, label, "custom", f"{base}{model._meta.app_label}/"
                                       f"{model._meta.model_name}/{route}", target=name, visible=everyone))
            url = f"{base}{model._meta.app_label}/{model._meta.model_name}/"
            cases.append(AdminCase(site_name, label, "changelist", url, visible=everyone))
            if model_admin.search_fields:
                for q in ("zz", "mx", "matrix"):
                    cases.append(AdminCase(site_name, label, "search", f"{url}?q={q}", target=q, visible=everyone))
            for spec in model_admin.list_filter:
                for param, value in _filter_params(model, spec, world):
                    cases.append(AdminCase(site_name, label, "filter", f"{url}?{param}={value}",
                                           target=f"{param}={value}", visible=everyone, ok=("200", "302")))
            cases.append(AdminCase(site_name, label, "add", f"{url}add/", visible=everyone, ok=("200", "403")))
            pages = [("bare", "{id}/", ("302",)), ("change", "{id}/change/", ("200",)),
                     ("history", "{id}/history/", ("200", "404")), ("delete", "{id}/delete/", ("200", "403"))]
            if hasattr(model_admin, "obj_perms_manage_view"):
                # guardian's object-permission pages: readers change only through the service (SPEC §2.3).
                outsider = world["users"]["outsider"].pk
                pages += [("permissions", "{id}/permissions/", ("403", "404")),
                          ("permissions_user", f"{{id}}/permissions/user-manage/{outsider}/", ("403", "404"))]
                group = world["officers"].pk
                pages += [("permissions_group", f"{{id}}/permissions/group-manage/{group}/", ("403", "404"))]
            if label == "unisocial.user":
                pages.append(("password", "{id}/password/", ("200",)))
            for kind, suffix, ok in pages:
                missing = url + suffix.format(id=MISSING_ID)
                cases.append(AdminCase(site_name, label, kind, missing, target="missing id", visible=(),
                                       has_target=True, missing_path=missing, target_id=str(MISSING_ID), ok=ok))
                for desc, obj, visible in _rows_for(model, rows):
                    cases.append(AdminCase(site_name, label, kind, url + suffix.format(id=obj.pk), target=desc,
                                           visible=visible, has_target=True, missing_path=missing,
                                           target_id=str(obj.pk), ok=ok))
            # Autocomplete: one row per remote model that has a search, from any field pointing at it.
            if model_admin.search_fields and model not in autocomplete_done:
                source = _field_pointing_at(model)
                if source is not None:
                    autocomplete_done.add(model)
                    src_model, fld = source
                    for term in ("", "zz", "matrix"):
                        cases.append(AdminCase(
                            site_name, label, "autocomplete",
                            f"{base}autocomplete/?app_label={src_model._meta.app_label}"
                            f"&model_name={src_model._meta.model_name}&field_name={fld}&term={term}",
                            target=f"{src_model._meta.label_lower}.{fld} term={term!r}", visible=everyone,
                            ok=("200", "403")))
        # The "view on site" shortcut, if the site serves one: every world object that has an address
        # (SPEC §2.2). A site without the route has no rows (the route meta-test then has nothing to cover).
        serves_shortcut = any(getattr(p, "name", None) == "view_on_site" for p in site.get_urls())
        for entries in rows.values() if serves_shortcut else ():
            for desc, obj, visible in entries:
                if obj is None or not hasattr(obj, "get_absolute_url"):
                    continue
                # The object under its own type and under every proxy of it registered on this site
                # (the owners' site registers proxies: its "View on site" buttons use theirs). A type
                # the site does not register opens nothing there: the same answer as a missing id.
                concrete = type(obj)._meta.concrete_model
                shown_as = {concrete} | {mdl for mdl in site._registry if mdl._meta.concrete_model is concrete}
                for mdl in shown_as:
                    ct = ContentType.objects.get_for_model(mdl, for_concrete_model=False)
                    missing = f"{base}r/{ct.pk}/{MISSING_ID}/"
                    cases.append(AdminCase(site_name, mdl._meta.label_lower, "shortcut", f"{base}r/{ct.pk}/{obj.pk}/",
                                           target=desc, visible=visible if mdl in site._registry else (),
                                           has_target=True, missing_path=missing, target_id=str(obj.pk),
                                           ok=("302",)))
        for model in {type(o) for entries in rows.values() for _d, o, _v in entries if o is not None}:
            if not serves_shortcut or not hasattr(model, "get_absolute_url"):
                continue
            ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
            missing = f"{base}r/{ct.pk}/{MISSING_ID}/"
            cases.append(AdminCase(site_name, model._meta.label_lower, "shortcut", missing, target="missing id",
                                   has_target=True, missing_path=missing, target_id=str(MISSING_ID), ok=("302",)))
    return _dedupe(cases)


def _dedupe(cases):
    seen, out = set(), []
    for case in cases:
        if case.path in seen:
            continue
        seen.add(case.path)
        out.append(case)
    return out


def _field_pointing_at(remote):
    from django.apps import apps

    for model in apps.get_models():
        for fld in model._meta.get_fields():
            if (fld.is_relation and fld.concrete and getattr(fld, "remote_field", None)
                    and fld.remote_field.model is remote):
                return model, fld.name
    return None


def expected(case: AdminCase, role: str) -> str | tuple:
    if case.ungated:
        return case.ok
    gate = passes_gate(case.site, role)
    if gate is not None:
        return (gate,)
    if case.has_target and role not in case.visible:
        return SAME_AS_MISSING
    return case.ok
