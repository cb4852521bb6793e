"""factory_boy factories for the whole suite."""
import factory
from django.contrib.auth import get_user_model

from communities.models import Community, Membership, Role
from posts.models import Post
from unisocial.classification import Level, Status, Visibility
from unisocial.models import TermsAcceptance, TermsVersion

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def accepted_terms(self, create, extracted, **kwargs):
        # Authorized users (SPEC §1) by default; pass accepted_terms=False for the gate tests.
        if create and extracted is not False:
            current = TermsVersion.current()
            if current:
                TermsAcceptance.objects.get_or_create(user=self, terms=current)
        if create:
            self.save()


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    purpose = "Share practice"
    visibility = Visibility.OPEN
    ceiling = factory.LazyAttribute(
        lambda c: {
            Visibility.OPEN: Level.UNCLASSIFIED,
            Visibility.MODERATED: Level.CONFIDENTIAL,
            Visibility.RESTRICTED: Level.STRICTLY_CONFIDENTIAL,
        }[c.visibility]
    )


def add_member(community, user, role=Role.MEMBER, **kwargs):
    return Membership.objects.create(content_object=community, user=user, role=role, **kwargs)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    community = factory.SubFactory(CommunityFactory)
    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post {n}")
    body = "<p>Body</p>"
    classification = Level.UNCLASSIFIED
    status = Status.PUBLISHED


def grant_reader(post, user):
    from guardian.shortcuts import assign_perm

    return assign_perm("posts.read_post", user, post)
