"""SPEC §2.2 written as a plain table, independent of the implementation.

The tests compare the access rule (queryset filter, per-object check and the
reverse ``users_who_can_view``) with this oracle.
"""
from dataclasses import dataclass, field


@dataclass
class World:
    # community id -> visibility
    visibility: dict
    # (user id, community id) -> role, only active memberships (removed and expired ones absent)
    roles: dict
    # post id -> (community id, level, status, author id, set of reader ids)
    posts: dict = field(default_factory=dict)
    # SPEC §3: posts escalated to management, and the system managers (superusers)
    escalated: set = field(default_factory=set)
    superusers: set = field(default_factory=set)


def can_see(world: World, user_id: int, post_id: int) -> bool:
    community, level, status, author, readers = world.posts[post_id]
    if status in ("withdrawn", "quarantined"):
        return False  # withdrawn: nobody
    if post_id in world.escalated and user_id in world.superusers:
        return True  # escalated to management: system managers see it
    role = world.roles.get((user_id, community))
    is_member = role is not None
    if level == "unclassified" and world.visibility[community] == "open":
        by_table = True
    elif level in ("unclassified", "confidential"):
        by_table = is_member
    else:  # strictly_confidential
        by_table = (user_id == author or user_id in readers) and is_member or role == "owner"
    if status == "published":
        return by_table
    if status in ("pending", "hidden"):
        # Every row but the open one needs an active membership, the author's included:
        # an author who left C (or whose membership ended) sees none of their held items.
        return (user_id == author and is_member) or (by_table and role in ("owner", "moderator"))
    return False  # withdrawn: nobody


def can_see_comment(world: World, user_id: int, comment) -> bool:
    """A comment ``(post id, status, author id, escalated)``: its post's audience, then its own
    status (withdrawn: nobody; pending/hidden: its author while a member of C, and the post's
    owners/moderators); a comment escalated on its own is shown to system managers unless it
    or its post is withdrawn."""
    post_id, status, author, escalated = comment
    community, _level, post_status, _post_author, _readers = world.posts[post_id]
    if status in ("withdrawn", "quarantined"):
        return False
    if escalated and user_id in world.superusers and post_status not in ("withdrawn", "quarantined"):
        return True
    if not can_see(world, user_id, post_id):
        return False
    if status == "published":
        return True
    role = world.roles.get((user_id, community))
    return (user_id == author and role is not None) or role in ("owner", "moderator")
