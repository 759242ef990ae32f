"""Read scope (own / team / all) per role and module: list page, API, CSV export and
universal search all list through ``visible_to``, so one matrix setting decides them all."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse
from factories import make_customer
from read_scopes import set_read_scope

from clientdesk.accounts.models import Role, RoleModuleAccess
from clientdesk.activities.services import log_activity, timeline
from clientdesk.core.models import AuditEvent
from clientdesk.core.search import registry
from clientdesk.followups import services as tasks
from clientdesk.leads import services as leads

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(user_factory: Any, sales_user: Any, sales_user2: Any) -> dict[str, Any]:
    """sales1 and sales2 in team North; sales3 in no team."""
    for user in (sales_user, sales_user2):
        user.team = "North"
        user.save(update_fields=["team"])
    return {"me": sales_user, "mate": sales_user2, "other": user_factory("sales", username="s3")}


def _lead(owner: Any, name: str, admin: Any) -> Any:
    data = {"first_name": name, "mobile": f"98{abs(hash(name)) % 10**8:08d}", "source": "website"}
    return leads.create_lead(actor=admin, data={**data, "owner": owner})


def _csv_first_column(client: Any, url: str, column: int) -> set[str]:
    response = client.get(url, {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row[column] for row in list(csv.reader(io.StringIO(body)))[1:]}


def _page(client: Any, url: str, attr: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {getattr(row.record, attr) for row in response.context["table"].paginated_rows}


def _set_on_matrix(client: Any, slug: str, module: str, scope: str) -> None:
    """What an Admin does on /admin-area/roles/: one role's column, the read scope changed."""
    role = Role.objects.get(slug=slug)
    form = {f"scope_{role.pk}": role.edit_scope, f"read_{role.pk}_{module}": scope}
    assert client.post(reverse("accounts:roles"), form).status_code == 302


def test_leads_by_scope_on_page_api_export_and_search(
    team: dict[str, Any], admin_user: Any, client_for: Any, api_client_for: Any
) -> None:
    for who in ("me", "mate", "other"):
        _lead(team[who], f"Scope{who}", admin_user)
    me = team["me"]
    page, api = client_for(me), api_client_for(me, token=True)

    def seen() -> dict[str, set[str]]:
        api_rows = api.get("/api/v1/leads/").json()["results"]
        hits = dict(registry.search(type(me).objects.get(pk=me.pk), "scope")).get("Leads", [])
        return {
            "page": _page(page, "/leads/", "first_name"),
            "api": {r["first_name"] for r in api_rows},
            "export": _csv_first_column(page, "/leads/", 1),
            "search": {h.title for h in hits},
        }

    def expect(*names: str) -> dict[str, set[str]]:
        return {key: {f"Scope{n}" for n in names} for key in ("page", "api", "export", "search")}

    assert seen() == expect("me")  # the guide: Sales read their own leads
    admin = client_for(admin_user)
    _set_on_matrix(admin, "sales", "leads", "team")
    assert seen() == expect("me", "mate")
    _set_on_matrix(admin, "sales", "leads", "all")
    assert seen() == expect("me", "mate", "other")
    change = AuditEvent.objects.filter(action="permission_change").latest("seq")
    assert change.changes["leads_read"] == {"old": "team", "new": "all"}


def test_tasks_by_scope_on_page_api_and_export(
    team: dict[str, Any], admin_user: Any, client_for: Any, api_client_for: Any
) -> None:
    for who in ("me", "mate", "other"):
        tasks.create_task(actor=admin_user, data={"title": f"Task{who}", "assignee": team[who]})
    tasks.create_task(actor=team["me"], data={"title": "Taskcreated", "assignee": admin_user})
    me = team["me"]
    page, api = client_for(me), api_client_for(me)

    def seen() -> tuple[set[str], set[str], set[str]]:
        api_rows = api.get("/api/v1/tasks/").json()["results"]
        return (
            _page(page, "/tasks/all/", "title"),
            {r["title"] for r in api_rows},
            _csv_first_column(page, "/tasks/all/", 0),
        )

    own = {"Taskme", "Taskcreated"}  # assigned to me, or created by me
    assert seen() == (own, own, own)
    set_read_scope("sales", "tasks", "team", me)
    assert seen() == (own | {"Taskmate"},) * 3
    set_read_scope("sales", "tasks", "all", me)
    assert seen() == (own | {"Taskmate", "Taskother"},) * 3


def test_customers_tickets_and_calls_follow_their_own_setting(
    team: dict[str, Any], admin_user: Any, client_for: Any, api_client_for: Any
) -> None:
    """Every default role reads all customers; the matrix can narrow it, and the customer
    list, API, export and search follow."""
    for who in ("me", "mate", "other"):
        make_customer(actor=admin_user, first_name=f"Scope{who}", assigned_to=team[who])
    me = team["me"]
    page, api = client_for(me), api_client_for(me)
    everyone = {"Scopeme", "Scopemate", "Scopeother"}
    assert _page(page, "/customers/", "first_name") == everyone
    set_read_scope("sales", "customers", "team", me)
    mine = {"Scopeme", "Scopemate"}
    assert _page(page, "/customers/", "first_name") == mine
    assert {r["first_name"] for r in api.get("/api/v1/customers/").json()["results"]} == mine
    hits = dict(registry.search(type(me).objects.get(pk=me.pk), "scope"))["Customers"]
    assert {h.title.split()[0] for h in hits} == mine


def test_activities_own_means_written_by_me_or_about_my_records(
    team: dict[str, Any], admin_user: Any, manager: Any
) -> None:
    me = team["me"]
    theirs = make_customer(actor=admin_user, assigned_to=team["other"])
    mine = make_customer(actor=admin_user, assigned_to=me)
    for author in (me, team["mate"], team["other"]):
        log_activity(theirs, actor=author, kind="note", body=f"by {author.username}")
    log_activity(mine, actor=manager, kind="note", body="about my customer")
    lead = _lead(me, "Scopelead", admin_user)
    log_activity(None, actor=manager, kind="note", body="about my lead", subject=lead)

    def bodies(subject: Any) -> set[str]:
        user = type(me).objects.get(pk=me.pk)
        return {a.body for a in timeline(subject, user).filter(kind="note")}

    assert bodies(theirs) == {f"by {me.username}"}
    assert "about my customer" in bodies(mine)
    assert "about my lead" in bodies(lead)
    set_read_scope("sales", "activities", "team")
    assert bodies(theirs) == {f"by {me.username}", f"by {team['mate'].username}"}
    set_read_scope("sales", "activities", "all")
    assert len(bodies(theirs)) == 3


def test_team_is_set_on_the_user_page_and_audited(
    client_for: Any, admin_user: Any, sales_user: Any
) -> None:
    url = reverse("accounts:user_edit", args=[sales_user.pk])
    form = {"first_name": sales_user.first_name, "role": sales_user.role_id, "is_active": "on"}
    response = client_for(admin_user).post(url, {**form, "team": "  North   desk "})
    assert response.status_code == 302
    sales_user.refresh_from_db()
    assert sales_user.team == "North desk"
    event = AuditEvent.objects.filter(object_id=str(sales_user.pk)).latest("seq")
    assert event.changes["team"] == {"old": "", "new": "North desk"}
    assert 'value="North desk"' in client_for(admin_user).get(url).content.decode()


def test_matrix_refuses_unknown_scopes(client_for: Any, admin_user: Any) -> None:
    role = Role.objects.get(slug="sales")
    before = set(RoleModuleAccess.objects.values_list("role_id", "module", "read_scope"))
    client = client_for(admin_user)
    form = {f"scope_{role.pk}": "own", f"read_{role.pk}_leads": "everything"}
    assert client.post(reverse("accounts:roles"), form).status_code == 400
    # A module without owned rows has no read scope: the field is not read at all.
    form = {f"scope_{role.pk}": "own", f"read_{role.pk}_audit": "own"}
    assert client.post(reverse("accounts:roles"), form).status_code == 302
    assert set(RoleModuleAccess.objects.values_list("role_id", "module", "read_scope")) == before


def test_matrix_page_shows_the_reads_column(client_for: Any, admin_user: Any) -> None:
    html = client_for(admin_user).get(reverse("accounts:roles")).content.decode()
    sales = Role.objects.get(slug="sales")
    assert html.count(">Reads</th>") == Role.objects.count()
    selected = html.split(f'name="read_{sales.pk}_leads"')[1].split("</select>")[0]
    assert 'value="own" selected' in selected
    assert f'name="read_{sales.pk}_audit"' not in html  # not a scoped module


def test_lead_list_queries_do_not_grow_with_the_scope(
    team: dict[str, Any], admin_user: Any, client_for: Any, django_assert_num_queries: Any
) -> None:
    """Own scope is a WHERE clause on the same queries (pinned against the all scope)."""
    for i in range(6):
        _lead(team["me"] if i % 2 else team["other"], f"Pin{i}", admin_user)
    client = client_for(team["me"])
    client.get("/leads/")  # warm caches that do not depend on the rows
    with django_assert_num_queries(LEAD_LIST_QUERIES):
        response = client.get("/leads/")
    assert len(list(response.context["table"].paginated_rows)) == 3
    set_read_scope("sales", "leads", "all")
    with django_assert_num_queries(LEAD_LIST_QUERIES):
        response = client.get("/leads/")
    assert len(list(response.context["table"].paginated_rows)) == 6


# tests/leads/test_views.py LIST_QUERIES (8) + the sidebar's task badge for a Sales user
LEAD_LIST_QUERIES = 9
