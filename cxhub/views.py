"""Project-level pages: login (throttled per account and per address) and a health check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = 15 * 60


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class LoginView(auth_views.LoginView):
    """Django's login, with a cap on failed attempts per username and per address.

    The message is the same whether the user exists or not, and other accounts keep logging in.
    """

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def _keys(self, request) -> list[str]:
        username = (request.POST.get("username") or "").strip().lower()[:150]
        return [f"login-fail:user:{username}", f"login-fail:ip:{_client_ip(request)}"]

    def post(self, request, *args, **kwargs):
        keys = self._keys(request)
        if any((cache.get(key) or 0) >= LOGIN_FAILURE_LIMIT for key in keys):
            messages.error(
                request,
                _("Too many failed sign-in attempts. Please wait 15 minutes and try again."),
            )
            response = self.get(request, *args, **kwargs)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for key in self._keys(self.request):
            cache.add(key, 0, LOGIN_FAILURE_WINDOW)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, LOGIN_FAILURE_WINDOW)
        return super().form_invalid(form)


@never_cache
def healthz(request):
    """Liveness for load balancers and docker-compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception):
    """404s under /api/ are JSON like every other API error (PRODUCT.md), also for paths that
    match no route (e.g. a slug with a dot); pages keep Django's HTML 404."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
