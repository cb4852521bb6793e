from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = _("Feed")

    def ready(self):
        from .search import forget_index_state

        # Search reads its top k from RUM indexes where migration posts/0018 could create them.
        post_migrate.connect(forget_index_state, dispatch_uid="feed.search.forget_index_state")
