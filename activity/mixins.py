"""Recording activity from a tenant-scoped viewset."""

from activity.services import activity_log_record


class ActivityLogMixin:
    """Gives a `TenantScopedViewSet` `log_activity`: an entry of `activity_scope` about `item`, in the URL's team,
    by the request's user (none when a project secret key made the request)."""

    activity_scope: str

    def log_activity(self, activity: str, item, *, name: str, **details) -> None:
        user = self.request.user if getattr(self.request.user, "pk", None) else None
        activity_log_record(
            scope=self.activity_scope,
            activity=activity,
            item_id=item.pk,
            user=user,
            team_id=self.team.pk,
            name=name,
            **details,
        )
