"""The REST API under /api/: registry, reports and supervision, plus its OpenAPI description."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from projects.api import tokens
from projects.api import views as registry
from selection import api as selection
from supervision.api import closing as year_end
from supervision.api import evaluation as evaluation_api
from supervision.api import registry as registry_progress
from supervision.api import views as supervision


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Clients of /api/ get JSON for a wrong address too, never the site's HTML 404 page."""
    return JsonResponse({"detail": "接口不存在"}, status=404)


router = DefaultRouter()
router.register("plans", registry_progress.PlanViewSet, basename="api-plan")
router.register("items", registry_progress.ItemViewSet, basename="api-item")
router.register("subitems", registry_progress.SubItemViewSet, basename="api-subitem")
router.register("units", registry.UnitViewSet, basename="api-unit")
router.register("reports", supervision.ReportViewSet, basename="api-report")
router.register("flags", supervision.FlagViewSet, basename="api-flag")
router.register("visits", supervision.VisitViewSet, basename="api-visit")
router.register("rectifications", supervision.RectificationViewSet, basename="api-rectification")
router.register("tokens", tokens.TokenViewSet, basename="api-token-own")
router.register("changes", year_end.ChangeRequestViewSet, basename="api-change")

# The description is public so integrators can read it before they have an account; it
# describes endpoints, never data.
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
    path(
        "redoc/",
        SpectacularRedocView.as_view(
            url_name="api-schema", permission_classes=[AllowAny], template_name="api/redoc.html"
        ),
        name="api-redoc",
    ),
    path("token/", tokens.ObtainTokenView.as_view(), name="api-token"),
    path("logout/", tokens.LogoutView.as_view(), name="api-logout"),
    path(
        "plans/<int:plan_id>/evaluation/",
        evaluation_api.PlanEvaluationView.as_view(),
        name="api-plan-evaluation",
    ),
    path("selections/<int:year>/result/", selection.selection_result, name="api-selection-result"),
    path("", include(router.urls)),
    # Only addresses ending in "/", so that /api/plans still redirects to /api/plans/.
    re_path(r"^(?P<path>(?:.*/)?)$", api_not_found),
]
