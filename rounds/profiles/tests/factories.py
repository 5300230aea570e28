"""factory_boy factories for members, profiles, organizations and affiliations."""

from __future__ import annotations

import factory
from django.utils.text import slugify

from rounds.accounts.models import User
from rounds.profiles.models import Affiliation, Organization, Profile, Role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    is_active = True

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Mark the primary email verified in allauth (pass verified=False to skip)."""
        if not create or extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=obj, email=obj.email, defaults={"verified": True, "primary": True}
        )
        obj.save()


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    handle = factory.Sequence(lambda n: f"member-{n}")
    headline = "Internist and clinical educator"
    role = Role.PHYSICIAN


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"St. Example Hospital {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Organization.Kind.HOSPITAL
    city = "Springfield"
    region = "IL"
    country = "United States"


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    department = "Internal Medicine"
    title = "Attending physician"
    is_current = True


def member(**profile_kwargs) -> Profile:
    """A verified member with a profile; keyword arguments go to the profile."""
    return ProfileFactory(**profile_kwargs)
