from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from clientdesk.accounts.api import UserViewSet
from clientdesk.accounts.auth_views import SignInView, VerifyView
from clientdesk.core.csp import csp_report
from clientdesk.core.home import favicon, home
from clientdesk.core.views import SearchView
from clientdesk.customers.api.views import CustomerViewSet
from clientdesk.ops import health, metrics

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("users", UserViewSet, basename="user")

# Split view: the start-up script is a separate request (?script), not inline code (CSP).
api_docs = SpectacularSwaggerSplitView.as_view(
    url_name="schema", template_name="core/swagger_ui.html"
)

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("login/", SignInView.as_view(), name="login"),
    path("login/verify/", VerifyView.as_view(), name="login-verify"),
    path("account/", include("clientdesk.accounts.account_urls")),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", SearchView.as_view(), name="search"),
    path("customers/", include("clientdesk.customers.urls")),
    path("audit/", include("clientdesk.core.urls")),
    path("admin-area/", include("clientdesk.accounts.urls")),
    path("notifications/", include("clientdesk.notifications.urls")),
    path("leads/", include("clientdesk.leads.urls")),
    path("tickets/", include("clientdesk.tickets.urls")),
    path("calls/", include("clientdesk.calls.urls")),
    path("tasks/", include("clientdesk.followups.urls")),
    path("messages/", include("clientdesk.comms.urls")),
    path("kyc/", include("clientdesk.kyc.urls")),
    path("screening/", include("clientdesk.screening.urls")),
    path("transactions/", include("clientdesk.transactions.urls")),
    path("integrations/", include("clientdesk.webhooks.urls")),
    path("approvals/", include("clientdesk.approvals.urls")),
    path("reports/", include("clientdesk.reports.urls")),
    path("cases/", include("clientdesk.cases.urls")),
    path("privacy/", include("clientdesk.privacy.urls")),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("clientdesk.leads.api.urls")),
    path("api/v1/", include("clientdesk.tickets.api.urls")),
    path("api/v1/", include("clientdesk.calls.api.urls")),
    path("api/v1/", include("clientdesk.followups.api.urls")),
    path("api/v1/", include("clientdesk.comms.api.urls")),
    path("api/v1/", include("clientdesk.kyc.api.urls")),
    path("api/v1/", include("clientdesk.screening.api.urls")),
    path("api/v1/", include("clientdesk.transactions.api.urls")),
    path("api/v1/", include("clientdesk.webhooks.api.urls")),
    path("api/v1/", include("clientdesk.approvals.api.urls")),
    path("api/v1/", include("clientdesk.reports.api.urls")),
    path("api/v1/", include("clientdesk.cases.api.urls")),
    path("api/v1/", include("clientdesk.privacy.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    # Operations: probes for the load balancer and the Prometheus scrape (docs/operations.md).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("csp-report/", csp_report, name="csp-report"),
]

# Under /api/ Django's own error answers are JSON too (clientdesk.core.errors).
handler400 = "clientdesk.core.errors.bad_request"
handler403 = "clientdesk.core.errors.permission_denied"
handler404 = "clientdesk.core.errors.page_not_found"
handler500 = "clientdesk.core.errors.server_error"
