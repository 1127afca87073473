"""drf-spectacular hooks: PostHog's security entries (one scope per operation) and parameter names."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter

TENANT_PARAMETERS = {
    "organization_id": "A UUID string identifying this organization, or `@current`.",
    "project_id": (
        "Project ID of the project you're trying to access. To find the ID of the project, make a call to "
        "/api/projects/."
    ),
    "team_id": (
        "Project ID of the project you're trying to access. To find the ID of the project, make a call to "
        "/api/projects/."
    ),
}


class AutoSchema(openapi.AutoSchema):
    def get_operation_id(self) -> str:
        # PostHog names root operations by their action alone (`list`, `retrieve`), not `root_list`.
        operation_id = super().get_operation_id().removeprefix("root_")
        # Two actions on one path name (`/persons/activity/`, `/persons/{id}/activity/`) collide; PostHog's schema
        # numbers the second one (`persons_activity_retrieve_2`). Views declare it: {action: "_2"}.
        suffixes = getattr(self.view, "operation_id_suffixes", {})
        return operation_id + suffixes.get(getattr(self.view, "action", None), "")

    def get_auth(self) -> list[dict]:
        view = self.view
        if not hasattr(view, "required_scopes_for"):
            return super().get_auth()
        required = view.required_scopes_for(view.action, self.method)
        return [{"PersonalAPIKeyAuth": required}] if required else []

    def get_override_parameters(self) -> list:
        path_kwargs = set(_path_kwargs(self.path))
        return [
            OpenApiParameter(name, str, OpenApiParameter.PATH, description=description)
            for name, description in TENANT_PARAMETERS.items()
            if name in path_kwargs
        ] + super().get_override_parameters()


def _path_kwargs(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def rename_environment_path_parameter(result: dict, generator, request, public) -> dict:
    """PostHog's schema names the environment segment `project_id` too (`/api/environments/{project_id}/...`)."""
    renamed = {}
    for path, item in result.get("paths", {}).items():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "path" and parameter.get("name") == "team_id":
                    parameter["name"] = "project_id"
        renamed[path.replace("{team_id}", "{project_id}")] = item
    result["paths"] = renamed
    return result
