from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse


@login_required
def overview(request):
    # Agents have no dashboards: their start page is the ticket queue.
    if not request.user.has_perm("metrics.view_dashboards"):
        if request.user.has_perm("tickets.view_ticket"):
            try:
                return redirect(reverse("tickets:queue"))
            except NoReverseMatch:
                pass
        return render(request, "metrics/no_access.html", status=403)
    return render(request, "metrics/overview.html", {})
