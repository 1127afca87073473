from django.db.models import Count, Prefetch, Q, QuerySet

from organizations.models import Organization, OrganizationMembership


def organizations_with_details(user) -> QuerySet[Organization]:
    """Organizations annotated and prefetched for the Organization shape, with the caller's membership attached."""
    return Organization.objects.annotate(
        member_count=Count("memberships", filter=Q(memberships__user__is_active=True), distinct=True)
    ).prefetch_related(
        Prefetch(
            "memberships", queryset=OrganizationMembership.objects.filter(user=user), to_attr="caller_memberships"
        ),
        "teams",
        "projects",
    )


def organizations_of(user) -> QuerySet[Organization]:
    return organizations_with_details(user).filter(memberships__user=user)
