"""Writes on posts, comments, wiki pages and attachments (SPEC §2.2–2.4).

Every function is atomic, takes a keyword-only ``actor``, sanitizes through
``unisocial.sanitize``, raises ``ValidationError`` (bad input, nothing
changed) or ``PermissionDenied`` (visible but not allowed), and loads nothing
the actor may not see (callers pass items loaded by ``selectors``).

One module per kind of write; this package hands every name on, so callers
write ``from posts import services`` and ``services.post_create(...)``.
"""
from .access_log import (  # noqa: F401
    _has_own_level,
    _management_view,
    ensure_still_visible,
    log_view,
    log_views,
    visible_history,
)
from .addresses import (  # noqa: F401
    RANDOM_WIKI_ADDRESS,
    RESERVED_WIKI_SLUGS,
    WIKI_ADDRESS_TAKEN,
    _random_wiki_address,
    _readdress_when_raised,
    _wiki_address,
)
from .attachments import (  # noqa: F401
    ATTACHMENT_TYPES,
    _attach,
    attachment_add,
)
from .comments import (  # noqa: F401
    comment_create,
    comment_update,
    comment_withdraw,
)
from .posts import (  # noqa: F401
    item_reclassify,
    post_create,
    post_like,
    post_update,
    post_withdraw,
)
from .rules import (  # noqa: F401
    AUDIENCE_REFUSED,
    MAX_TAGS,
    MENTION_RE,
    ReadOnly,
    _body,
    _item_of,
    _mentioned,
    _mentions,
    _record_readers,
    _request_write,
    _require_member,
    _require_writable,
    _set_readers,
    _tags,
    _touch,
    check_audience_change,
    check_level_change,
    choose_level,
    item_change_level,
    item_drop_readers,
    item_write_refusal,
    manages_audience,
    mention_warning,
    mentions_warned_before,
    notify_mentions_on_publish,
    preview_mention_warnings,
    request_item_write,
    require_can_change,
    require_can_edit_page,
    require_can_write,
    validate_readers,
)
from .wiki import (  # noqa: F401
    _wiki_update,
    require_can_restore,
    revision_readers,
    wiki_create,
    wiki_revert,
    wiki_update,
)
