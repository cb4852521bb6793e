"""The development server of the embedded default (``make run``): ``runserver`` and, in the
embedded mode, the periodic jobs in a thread of its own (``beat``). Project wiring: it runs
every app's periodic tasks, by name, as celery beat does.

An app of its own only so that its ``runserver`` command stands before staticfiles' one in
``INSTALLED_APPS`` (the first app that has a command wins); ``unisocial`` itself must stay
where it is (its admin replaces or removes the admins of apps listed before it: knox's token
admin, django-otp's device admin).
"""
from django.apps import AppConfig


class DevServerConfig(AppConfig):
    name = "unisocial.devserver"
    label = "unisocial_devserver"
    verbose_name = "development server"
