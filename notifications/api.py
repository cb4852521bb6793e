"""Notifications in the JSON API (SPEC §2.4, §6).

Routes (under /api/v1/):

* ``notifications/`` — GET my notifications, newest first, paginated;
* ``notifications/{id}/read/`` — POST: mark one read;
* ``notifications/read-all/`` — POST: mark all read (``{"updated": N}``);
* ``notifications/preferences/`` — GET, PUT ``{"email": "immediate" | "daily" | "off"}``.

Rows come only from ``visible_notifications`` (mine, about items I can still
see), so another person's notification is 404 like a missing one.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from unisocial.api import StrictFieldsMixin

from .messages import render_all
from .models import Notification, NotificationPreference
from .selectors import email_preference, visible_notifications
from .services import notification_mark_all_read, notification_mark_read, notification_preference_set


class NotificationSerializer(serializers.ModelSerializer):
    message = serializers.CharField(source="display_message", read_only=True)
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    classification = serializers.ChoiceField(
        source="current_classification",
        choices=Notification._meta.get_field("classification").choices,
        read_only=True,
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "message",
            "community",
            "classification",
            "url",
            "created_at",
            "read",
        ]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class PreferenceSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.ChoiceField(choices=NotificationPreference.Email.choices)


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    lookup_value_regex = r"\d+"
    queryset = Notification.objects.none()  # the schema's model; rows come from get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return visible_notifications(self.request.user)

    def paginate_queryset(self, queryset):
        # The sentences in the reader's language (a token-authenticated call has no session
        # middleware to choose it), the people they name loaded once for the page.
        page = super().paginate_queryset(queryset)
        return render_all(page, language=self.request.user.language or None) if page is not None else page

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        notification_mark_read(actor=request.user, notification=notification)
        render_all([notification], language=request.user.language or None)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("ReadAll", {"updated": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"updated": notification_mark_all_read(actor=request.user)})

    @extend_schema(methods=["GET"], request=None, responses=PreferenceSerializer)
    @extend_schema(methods=["PUT"], request=PreferenceSerializer, responses=PreferenceSerializer)
    @action(detail=False, methods=["get", "put"], pagination_class=None)
    def preferences(self, request):
        if request.method == "PUT":
            serializer = PreferenceSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            pref = notification_preference_set(
                actor=request.user, email=serializer.validated_data["email"]
            )
            return Response(PreferenceSerializer({"email": pref.email}).data)
        return Response(PreferenceSerializer({"email": email_preference(request.user)}).data)
