"""What staff write (SPEC §2.2–2.4): posts, comments, wiki pages, attachments,
plus the access log of strictly confidential items."""
from .access_log import AccessLog
from .attachment import PostAttachment, WikiAttachment
from .comment import Comment
from .post import Like, Post, PostReader, Tag
from .wiki import WikiPage, WikiPageReader

__all__ = [
    "AccessLog",
    "Comment",
    "Like",
    "Post",
    "PostAttachment",
    "PostReader",
    "Tag",
    "WikiAttachment",
    "WikiPage",
    "WikiPageReader",
]
