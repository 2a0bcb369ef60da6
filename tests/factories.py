"""Plain builders with overridable defaults for the shared domain (per-app builders live in
tests/<app>/factories.py and may use these)."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxhub import roles
from journeys.models import Channel, Customer, Department, Persona, Touchpoint

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_user(role: str | None = None, **overrides):
    """A user in `role` (a cxhub.roles name); role "admin" makes a superuser."""
    number = _n()
    data = {"username": f"user{number}", "email": f"user{number}@example.com"}
    data.update(overrides)
    user_model = get_user_model()
    if role == "admin":
        user = user_model.objects.create_superuser(password="pw-test-123!", **data)
    else:
        user = user_model.objects.create_user(password="pw-test-123!", **data)
        if role:
            user.groups.add(Group.objects.get(name=role))
    return user


def make_manager(**overrides):
    return make_user(roles.CX_MANAGER, **overrides)


def make_agent(*, departments: list[Department] | None = None, **overrides):
    user = make_user(roles.AGENT, **overrides)
    for department in departments or []:
        department.members.add(user)
    return user


def make_survey_admin(**overrides):
    return make_user(roles.SURVEY_ADMIN, **overrides)


def make_admin(**overrides):
    return make_user("admin", **overrides)


def api_client(user=None) -> APIClient:
    """An API client authenticated by token, as a REST integration would be."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def channel(slug: str = "web") -> Channel:
    return Channel.objects.get(slug=slug)


def make_department(**overrides) -> Department:
    number = _n()
    data = {"slug": f"dept-{number}", "name": f"Department {number}"}
    data.update(overrides)
    return Department.objects.create(**data)


def make_persona(**overrides) -> Persona:
    number = _n()
    data = {"slug": f"persona-{number}", "name": f"Persona {number}"}
    data.update(overrides)
    return Persona.objects.create(**data)


def make_touchpoint(**overrides) -> Touchpoint:
    number = _n()
    data = {"slug": f"touchpoint-{number}", "name": f"Touchpoint {number}"}
    data.update(overrides)
    data.setdefault("channel", channel("web"))
    if isinstance(data["channel"], str):
        data["channel"] = channel(data["channel"])
    return Touchpoint.objects.create(**data)


def make_customer(**overrides) -> Customer:
    number = _n()
    data = {"external_id": f"cust-{number}", "name": f"Customer {number}"}
    data.update(overrides)
    return Customer.objects.create(**data)
