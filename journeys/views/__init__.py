from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from journeys.selectors import customer_list as select_customers
from journeys.timeline import customer_timeline


@login_required
@permission_required("journeys.view_customer", raise_exception=True)
def customer_list(request):
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(select_customers(user=request.user, search=search), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "journeys/customer_list.html", {"page": page, "q": search})


@login_required
@permission_required("journeys.view_customer", raise_exception=True)
def customer_detail(request, external_id: str):
    customer = get_object_or_404(select_customers(user=request.user), external_id=external_id)
    timeline = customer_timeline(customer=customer, user=request.user, limit=100)
    return render(
        request, "journeys/customer_detail.html", {"customer": customer, "timeline": timeline}
    )
