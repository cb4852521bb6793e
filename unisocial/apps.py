from django.apps import AppConfig


class UnisocialConfig(AppConfig):
    name = "unisocial"
    verbose_name = "unisocial core"
