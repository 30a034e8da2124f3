from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from analytics.urls import reports
from customer_quantum.urls import customer_api, portal
from identity.urls import auth_api
from identity.urls import pages as identity_pages
from operations.urls import health, monitoring, staff
from ticketing.urls import expert_api

urlpatterns = [
    path("", include(portal)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/api-tokens/", include(identity_pages)),
    path("admin/", admin.site.urls),
    path("analytics/reports/", include(reports)),
    path("api/auth/", include(auth_api)),
    path("api/customer/", include(customer_api)),
    path("api/ticketing/", include(expert_api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("health/", include(health)),
    path("operations/", include(staff)),
    path("", include(monitoring)),
]
handler404 = "config.api_errors.not_found"
