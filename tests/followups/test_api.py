"""/api/v1/tasks/: list with the shared FilterSet, create, retrieve, update, status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from clientdesk.followups import services
from clientdesk.followups.models import Task

pytestmark = pytest.mark.django_db

URL = "/api/v1/tasks/"


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_list_is_restricted_and_filtered(
    api_client_for, make_task, sales_user, sales_user2, manager
):
    mine = make_task(sales_user, priority="high")
    overdue = make_task(sales_user, due_in=dt.timedelta(hours=-2))
    theirs = make_task(sales_user2)
    nodate = make_task(manager, due_in=None)
    assert sorted(ids(api_client_for(sales_user).get(URL))) == sorted([mine.pk, overdue.pk])
    client = api_client_for(manager)
    assert ids(client.get(URL)) == [overdue.pk, mine.pk, theirs.pk, nodate.pk]  # no date last
    assert ids(client.get(URL, {"overdue": "true"})) == [overdue.pk]
    assert ids(client.get(URL, {"priority": "high"})) == [mine.pk]
    assert ids(client.get(URL, {"assignee": sales_user2.pk})) == [theirs.pk]
    assert ids(client.get(URL, {"sort": "-priority"}))[0] == mine.pk
    today = timezone.localdate().isoformat()
    assert nodate.pk not in ids(client.get(URL, {"due_after": today}))
    body = client.get(URL, {"limit": 2}).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]


def test_create_about_a_customer(api_client_for, sales_user, customer):
    due = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = api_client_for(sales_user, token=True).post(
        URL,
        {
            "title": "Send the KYC checklist",
            "due_at": due,
            "subject_type": "customers.customer",
            "subject_id": str(customer.pk),
            "priority": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["customer"] == customer.pk and body["assignee"] == sales_user.pk
    assert body["status"] == "todo" and body["is_overdue"] is False
    assert body["subject_label"].startswith("Customer: ")
    filtered = api_client_for(sales_user).get(URL, {"customer": customer.pk})
    assert ids(filtered) == [body["id"]]


def test_create_answers_400_with_a_field_map(api_client_for, sales_user):
    client = api_client_for(sales_user)
    response = client.post(URL, {"title": "", "priority": "asap", "due_at": "soon"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"priority", "due_at"}
    response = client.post(URL, {"description": "no title"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"title"}
    response = client.post(
        URL, {"title": "x", "subject_type": "customers.customer", "subject_id": "0"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "subject_invalid",
        "errors": {"subject_id": ["No such record."]},
    }
    assert not Task.objects.exists()


def test_partial_update_and_status(api_client_for, make_task, sales_user):
    task = make_task(sales_user)
    client = api_client_for(sales_user)
    response = client.patch(
        f"{URL}{task.pk}/", {"title": "Renamed", "subject_type": "x"}, format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Renamed"
    response = client.post(f"{URL}{task.pk}/status/", {"status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["completed_at"]
    bad = client.post(f"{URL}{task.pk}/status/", {"status": "in_progress"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_transition"
    assert client.put(f"{URL}{task.pk}/", {"title": "x"}, format="json").status_code == 405


def test_row_rule_answers_403_and_invisible_tasks_404(
    api_client_for, make_task, sales_user, sales_user2, manager
):
    by_manager_for_sales2 = make_task(manager, assignee=sales_user2)
    created_by_sales = make_task(sales_user, assignee=sales_user2)
    client = api_client_for(sales_user)
    assert client.get(f"{URL}{by_manager_for_sales2.pk}/").status_code == 404
    assert (
        client.patch(f"{URL}{by_manager_for_sales2.pk}/", {"title": "x"}, format="json").status_code
        == 404
    )
    assert (
        client.post(
            f"{URL}{created_by_sales.pk}/status/", {"status": "done"}, format="json"
        ).status_code
        == 200
    )
    assignee = api_client_for(sales_user2)
    assert assignee.get(f"{URL}{by_manager_for_sales2.pk}/").status_code == 200
    assert (
        api_client_for(manager)
        .post(f"{URL}{by_manager_for_sales2.pk}/status/", {"status": "in_progress"}, format="json")
        .status_code
        == 200
    )


def test_read_only_tasks_role_answers_403(api_client_for, make_task, compliance, roles):
    from clientdesk.accounts.models import RoleModuleAccess

    task = make_task(compliance)
    RoleModuleAccess.objects.filter(role=roles["compliance"], module="tasks").update(level=1)
    client = api_client_for(type(compliance).objects.get(pk=compliance.pk))  # fresh access
    assert client.get(f"{URL}{task.pk}/").status_code == 200
    assert client.post(URL, {"title": "x"}, format="json").status_code == 403
    assert client.patch(f"{URL}{task.pk}/", {"title": "x"}, format="json").status_code == 403
    assert (
        client.post(f"{URL}{task.pk}/status/", {"status": "done"}, format="json").status_code == 403
    )


def test_roles_without_tasks_access(api_client_for, user_factory, make_task, manager):
    nobody = user_factory(None, username="no-role")
    assert api_client_for(nobody).get(URL).status_code == 403
    assert api_client_for(None).get(URL).status_code in (401, 403)


def test_create_assigns_to_someone_else(api_client_for, sales_user, manager):
    response = api_client_for(manager).post(
        URL, {"title": "Check on Ravi", "assignee": sales_user.pk}, format="json"
    )
    assert response.status_code == 201
    assert (
        response.json()["assignee"] == sales_user.pk and response.json()["created_by"] == manager.pk
    )
    assert services.can_edit(sales_user, Task.objects.get())
