import uuid
from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from organizations.models import Organization, OrganizationMembership
from organizations.selectors import organizations_of, organizations_with_details
from organizations.serializers import (
    OrganizationBasicSerializer,
    OrganizationMemberSerializer,
    OrganizationSerializer,
    organization_basic,
    organization_detail,
    organization_member,
)
from posthog_api.testing import add_member, make_organization, make_user


def drf_output(serializer_class, instance) -> dict:
    """What DRF's own field machinery renders for `instance`, whatever the serializer's fast path does."""
    return serializers.Serializer.to_representation(serializer_class(instance), instance)


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


def customise(organization: Organization) -> None:
    organization.logo_media_id = uuid.uuid4()
    organization.default_role_id = uuid.uuid4()
    organization.customer_id = "cus_123"
    organization.enforce_2fa = True
    organization.available_product_features = [{"key": "organization_security_settings", "name": "Security"}]
    organization.default_experiment_stats_method = Organization.StatsMethod.FREQUENTIST
    organization.save()


def test_organization_shapes_render_exactly_what_the_serializer_fields_render(user, organization, other_user):
    customise(organization)
    elsewhere = make_organization(other_user, name="Beta")
    add_member(elsewhere, user, level=OrganizationMembership.Level.ADMIN)
    add_member(organization, make_user())

    organizations = list(organizations_with_details(user).order_by("name", "id"))

    assert [o.membership_level for o in organizations] == [15, 8]
    for instance in organizations:
        assert organization_detail(instance) == drf_output(OrganizationSerializer, instance)
        assert rendered(organization_detail(instance)) == rendered(drf_output(OrganizationSerializer, instance))
        assert organization_basic(instance) == drf_output(OrganizationBasicSerializer, instance)
        assert rendered(organization_basic(instance)) == rendered(drf_output(OrganizationBasicSerializer, instance))
    assert organizations[0].member_count == 2
    assert organization_detail(organizations[0])["teams"][0]["id"] == organization.teams.get().id


def test_organizations_of_counts_active_members_only_and_joins_the_callers_membership(user, organization):
    add_member(organization, make_user(is_active=False))
    add_member(organization, make_user(), level=OrganizationMembership.Level.ADMIN)

    [listed] = organizations_of(user)

    assert (listed.member_count, listed.membership_level) == (2, 15)


def test_member_shape_renders_exactly_what_the_serializer_fields_render(user, organization):
    member = make_user(first_name="Grace", hedgehog_config={"color": "green"})
    member.last_login = timezone.now() - timedelta(days=1)
    member.save()
    created = add_member(organization, member, level=OrganizationMembership.Level.ADMIN)
    stored = OrganizationMembership.objects.select_related("user").filter(organization=organization)

    for instance in (created, *stored):
        assert organization_member(instance) == drf_output(OrganizationMemberSerializer, instance)
        assert rendered(organization_member(instance)) == rendered(drf_output(OrganizationMemberSerializer, instance))
