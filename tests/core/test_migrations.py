"""The migrations describe the models exactly, on any checkout: a field
whose deconstruction holds a machine's path (a storage location) makes ``makemigrations --check``
report changes everywhere else, and ``make run`` warn on every start."""
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import models

from posts.models import PostAttachment, WikiAttachment
from unisocial.private_storage import private_storage


@pytest.mark.django_db
def test_models_have_no_changes_missing_from_migrations_in_any_app():
    out = io.StringIO()
    try:
        # No app label: every installed app is checked, third-party ones included.
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits 1 when a migration would be written
        pytest.fail(f"makemigrations --check found changes (exit {exit_.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


@pytest.mark.parametrize("model", [PostAttachment, WikiAttachment])
def test_attachment_field_deconstructs_to_the_storage_alias_not_a_directory(model):
    _name, _path, _args, kwargs = model._meta.get_field("file").deconstruct()
    storage = kwargs["storage"]
    assert callable(storage) and f"{storage.__module__}.{storage.__qualname__}" == (
        "unisocial.private_storage.private_storage_for_field"
    )


def test_private_storage_follows_the_private_media_root_setting(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"
    assert Path(private_storage.location) == tmp_path / "elsewhere"
    assert isinstance(PostAttachment._meta.get_field("file"), models.FileField)
