"""Offices of record (SPEC §4, four eyes): a community's active owners confirm its items of a
disposition batch; a community with none is confirmed by a records officer."""
from communities.models import Membership, Role


def active_owner_ids(community_id) -> list[int]:
    return list(
        Membership.objects.active().filter(content_object_id=community_id, role=Role.OWNER, user__is_active=True)
        .values_list("user_id", flat=True)
    )
