from __future__ import annotations

from cxhub.navigation import navigation_for


def navigation(request):
    """The navigation entries this user's role may use (empty for anonymous respondents)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": navigation_for(user, request.path)}
