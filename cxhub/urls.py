from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cxhub import views

api_v1 = [
    path("", include("journeys.api_urls")),
    path("", include("tickets.api_urls")),
    path("", include("surveys.api_urls")),
    path("", include("metrics.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz/", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every page without a <link rel="icon">; answer, don't 404.
    path("favicon.ico", RedirectView.as_view(url=static("cxhub/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include("journeys.urls")),
    path("", include("tickets.urls")),
    path("", include("surveys.urls")),
    path("", include("metrics.urls")),
]

handler404 = "cxhub.views.not_found"
