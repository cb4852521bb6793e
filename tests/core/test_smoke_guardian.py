from guardian.shortcuts import assign_perm, get_perms

from communities.models import Membership, Role
from posts.models import PostReader


def test_reader_grant_is_a_guardian_direct_fk_row(make_post, make_user):
    post = make_post()
    reader = make_user()
    assign_perm("posts.read_post", reader, post)
    assert PostReader.objects.filter(user=reader, content_object=post).exists()
    assert "read_post" in get_perms(reader, post)


def test_membership_is_a_guardian_grant_on_the_community(make_community, make_user):
    owner = make_user()
    community = make_community(owner=owner)
    m = Membership.objects.get(user=owner, content_object=community)
    assert m.role == Role.OWNER
    assert m.permission.codename == "own_community"
    assert "own_community" in get_perms(owner, community)
