"""The two admin sites' "view on site" through the access rule (SPEC §2.2).

Kept apart from ``unisocial.admin`` (which registers models) so that the default site's
class can be named in ``SystemAdminConfig`` and built lazily by Django.
"""
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import path


class RuleShortcutMixin:
    """An AdminSite whose "view on site" (``r/<ct>/<id>/``) goes through the rule.

    Django's ``contenttypes.views.shortcut`` loads any object by id and redirects to its
    URL, so ids could be walked for restricted slugs. Here the object is looked up only in
    the ``get_queryset`` of the admin registered for its model on this site; anything else
    (missing, invisible, unregistered, malformed, without a page) is the same bare 404.
    """

    def get_urls(self):
        urls = super().get_urls()
        shortcut = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site_redirect),
            name="view_on_site",
        )
        return [shortcut, *[u for u in urls if getattr(u, "name", None) != "view_on_site"]]

    def view_on_site_redirect(self, request, content_type_id, object_id):
        ContentType = apps.get_model("contenttypes", "ContentType")
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
            model_admin = self._registry[model]
            obj = model_admin.get_queryset(request).get(pk=object_id)
            if not model_admin.has_view_permission(request, obj):
                raise Http404
            url = obj.get_absolute_url()
        except (ObjectDoesNotExist, KeyError, ValueError, TypeError, ValidationError, AttributeError,
                OverflowError):
            raise Http404 from None
        return HttpResponseRedirect(url)


class SystemAdminSite(RuleShortcutMixin, admin.AdminSite):
    """``/admin/`` for system managers: Django's site, with "view on site" through the rule."""


class SystemAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``SystemAdminSite`` as the default site (INSTALLED_APPS)."""

    default_site = "unisocial.admin_site.SystemAdminSite"
