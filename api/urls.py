"""URL configuration: the REST API under /api/, its schema and docs, the explorer page
(/explore/) and the admin."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.explorer import ExplorerView
from api.problems import not_found
from api.resources.activity import MeetingViewSet, OpinionViewSet
from api.resources.actors import ActorViewSet
from api.resources.analysis import (
    ActorNetworkView,
    AnalysisJobView,
    BodyRecruitmentView,
    BodyRenewalView,
    EvolutionView,
    InfluenceMapView,
    InterlocksView,
    ObligationsView,
    PathsView,
    RenewalRankingView,
    StakeholdersView,
)
from api.resources.bodies import BodyViewSet, CollegeViewSet
from api.resources.bulk import ActorBulkView, ActorImportView, InteractionBulkView
from api.resources.changes import ChangeFeedView
from api.resources.charters import CharterViewSet
from api.resources.duplicates import ActorDuplicatesView
from api.resources.gdpr import ActorEraseView, PersonalDataExportView
from api.resources.health import HealthView
from api.resources.home import HomeView
from api.resources.interactions import InteractionViewSet
from api.resources.members import BodyMembersView, MembersImportView
from api.resources.memberships import MembershipViewSet
from api.resources.popolo import PopoloExportView
from api.resources.problem_pages import ProblemTypeListView, ProblemTypeView
from api.resources.territories import TerritoryViewSet
from api.resources.webhooks import WebhookViewSet

router = DefaultRouter()
router.register("territories", TerritoryViewSet, basename="territory")
router.register("actors", ActorViewSet, basename="actor")
router.register("bodies", BodyViewSet, basename="body")
router.register("colleges", CollegeViewSet, basename="college")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("opinions", OpinionViewSet, basename="opinion")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("charters", CharterViewSet, basename="charter")

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        # Our template: the stock one fetches Google Fonts, and the docs are served offline.
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("api/bodies/<int:pk>/members/", BodyMembersView.as_view(), name="body-members"),
    path("api/changes/", ChangeFeedView.as_view(), name="change-feed"),
    # Webhook subscriptions are a key's own settings, not registry data: not in the router
    # (whose resources are the territory-scoped records).
    path(
        "api/webhooks/",
        WebhookViewSet.as_view({"get": "list", "post": "create"}),
        name="webhook-list",
    ),
    path(
        "api/webhooks/<int:pk>/",
        WebhookViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="webhook-detail",
    ),
    path(
        "api/webhooks/<int:pk>/rotate-secret/",
        WebhookViewSet.as_view({"post": "rotate_secret"}),
        name="webhook-rotate-secret",
    ),
    path(
        "api/webhooks/<int:pk>/deliveries/",
        WebhookViewSet.as_view({"get": "deliveries"}),
        name="webhook-deliveries",
    ),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/actors/bulk/", ActorBulkView.as_view(), name="actor-bulk"),
    path("api/actors/duplicates/", ActorDuplicatesView.as_view(), name="actor-duplicates"),
    path(
        "api/actors/<int:pk>/personal-data-export/",
        PersonalDataExportView.as_view(),
        name="actor-personal-data-export",
    ),
    path("api/actors/<int:pk>/erase/", ActorEraseView.as_view(), name="actor-erase"),
    path("api/actors/import/", ActorImportView.as_view(), name="actor-import"),
    path("api/interactions/bulk/", InteractionBulkView.as_view(), name="interaction-bulk"),
    path(
        "api/bodies/<int:pk>/members/import/",
        MembersImportView.as_view(),
        name="body-members-import",
    ),
    path("api/export/popolo", PopoloExportView.as_view(), name="popolo-export"),
    path("api/analysis/influence-map", InfluenceMapView.as_view(), name="analysis-influence-map"),
    path(
        "api/analysis/actors/<int:pk>/network",
        ActorNetworkView.as_view(),
        name="analysis-actor-network",
    ),
    path("api/analysis/paths", PathsView.as_view(), name="analysis-paths"),
    path("api/analysis/interlocks", InterlocksView.as_view(), name="analysis-interlocks"),
    path("api/analysis/stakeholders", StakeholdersView.as_view(), name="analysis-stakeholders"),
    path(
        "api/analysis/bodies/<int:pk>/renewal",
        BodyRenewalView.as_view(),
        name="analysis-body-renewal",
    ),
    path(
        "api/analysis/bodies/<int:pk>/recruitment",
        BodyRecruitmentView.as_view(),
        name="analysis-body-recruitment",
    ),
    path("api/analysis/renewal", RenewalRankingView.as_view(), name="analysis-renewal"),
    path("api/analysis/obligations", ObligationsView.as_view(), name="analysis-obligations"),
    path("api/analysis/evolution", EvolutionView.as_view(), name="analysis-evolution"),
    # A job id is the task backend's own (a UUID for the database backend, a random token
    # for others): any such token is routed, and the backend says whether it exists.
    re_path(
        r"^api/analysis/jobs/(?P<job_id>[A-Za-z0-9_-]{1,64})/$",
        AnalysisJobView.as_view(),
        name="analysis-job",
    ),
    # The pages of the problem ``type`` URIs (``/api/problems/<code>``, no trailing slash,
    # as problems have carried them).
    path("api/problems/", ProblemTypeListView.as_view(), name="problem-types"),
    path("api/problems/<slug:code>", ProblemTypeView.as_view(), name="problem-type"),
    path("api/", include(router.urls)),
    re_path(r"^api/", not_found),
    path("api-auth/", include("rest_framework.urls")),
    # The explorer page (a shell: its script reads the analysis API with the caller's
    # credentials).
    path("explore/", ExplorerView.as_view(), name="explorer"),
    path("admin/", admin.site.urls),
]

handler400 = "api.problems.handler400"
handler403 = "api.problems.handler403"
handler404 = "api.problems.handler404"
handler500 = "api.problems.handler500"
