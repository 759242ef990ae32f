"""Task pages: My tasks, the task list, forms, quick status change, the customer tab."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone
from factories import profile_tab_counts

from clientdesk.followups import services
from clientdesk.followups.models import Task, TaskStatus

pytestmark = pytest.mark.django_db


def test_my_tasks_groups_and_highlights_overdue(client_for, make_task, sales_user, sales_user2):
    make_task(sales_user, title="Overdue thing", due_in=dt.timedelta(days=-1))
    make_task(sales_user, title="Upcoming thing", due_in=dt.timedelta(days=3))
    make_task(sales_user, title="Someday thing", due_in=None)
    make_task(sales_user2, title="Not mine")
    done = make_task(sales_user, title="Finished thing")
    services.change_status(done, actor=sales_user, to_status=TaskStatus.DONE)
    response = client_for(sales_user).get("/tasks/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-group="overdue"' in html and 'data-group="upcoming"' in html
    assert 'data-group="no_date"' in html and 'data-group="today"' not in html
    assert "badge-red" in html and "Overdue ·" in html
    assert "Not mine" not in html and "Finished thing" not in html
    assert html.index("Overdue thing") < html.index("Upcoming thing") < html.index("Someday thing")


def test_my_tasks_filters_by_status_and_priority(client_for, make_task, sales_user):
    make_task(sales_user, title="Low one", priority="low")
    make_task(sales_user, title="High one", priority="high")
    done = make_task(sales_user, title="Done one")
    services.change_status(done, actor=sales_user, to_status=TaskStatus.DONE)
    client = client_for(sales_user)
    html = client.get("/tasks/", {"priority": "high"}, HTTP_HX_REQUEST="true").content.decode()
    assert "High one" in html and "Low one" not in html and "<html" not in html
    html = client.get("/tasks/", {"status": "done"}).content.decode()
    assert "Done one" in html and "High one" not in html


def test_my_tasks_empty_state(client_for, sales_user):
    html = client_for(sales_user).get("/tasks/").content.decode()
    assert "Nothing on your list" in html and "/tasks/new/" in html


def test_sidebar_badge_counts_overdue_and_today(client_for, make_task, sales_user):
    now = timezone.localtime()
    make_task(sales_user, due_in=dt.timedelta(days=-2))
    make_task(sales_user, due_in=dt.timedelta(days=5))
    if now.hour < 23:
        make_task(sales_user, due_in=dt.timedelta(minutes=30))
    expected = 2 if now.hour < 23 else 1
    response = client_for(sales_user).get("/tasks/")
    nav = {item["url"]: item["badge"] for item in response.context["nav"]}
    assert nav["/tasks/"] == expected


def test_my_tasks_query_count_is_pinned(
    client_for, make_task, sales_user, customer, django_assert_num_queries
):
    client = client_for(sales_user)
    for i in range(3):
        make_task(sales_user, subject=customer, due_in=dt.timedelta(hours=i - 1))
    client.get("/tasks/")
    with django_assert_num_queries(MY_TASKS_QUERIES):
        assert client.get("/tasks/").status_code == 200
    for i in range(20):
        make_task(sales_user, subject=customer, due_in=dt.timedelta(days=i - 10))
    with django_assert_num_queries(MY_TASKS_QUERIES):
        assert client.get("/tasks/").status_code == 200


# session, user, role access, the tasks (assignee joined), assignee filter choices, nav badge,
# unread notifications: the same for 3 tasks as for 23.
MY_TASKS_QUERIES = 7


def test_quick_status_change_with_htmx(client_for, make_task, sales_user):
    task = make_task(sales_user)
    response = client_for(sales_user).post(
        f"/tasks/{task.pk}/status/", {"status": "in_progress"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in response.content.decode()
    message = json.loads(response["HX-Trigger"])["showMessage"]
    assert message["level"] == "success" and "In Progress" in message["message"]
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    bad = client_for(sales_user).post(
        f"/tasks/{task.pk}/status/", {"status": "nonsense"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 200
    assert json.loads(bad["HX-Trigger"])["showMessage"]["level"] == "error"


def test_status_change_without_js_redirects_back(client_for, make_task, sales_user):
    task = make_task(sales_user)
    response = client_for(sales_user).post(
        f"/tasks/{task.pk}/status/", {"status": "done", "next": "/tasks/?priority=high"}
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/?priority=high"
    evil = client_for(sales_user).post(
        f"/tasks/{task.pk}/status/", {"status": "todo", "next": "https://evil.example/"}
    )
    assert evil["Location"] == f"/tasks/{task.pk}/"


def test_others_cannot_change_or_see_a_sales_users_task(
    client_for, make_task, sales_user, sales_user2
):
    task = make_task(sales_user)
    client = client_for(sales_user2)
    assert client.post(f"/tasks/{task.pk}/status/", {"status": "done"}).status_code == 404
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.get(f"/tasks/{task.pk}/edit/").status_code == 404


def test_task_list_for_managers(client_for, make_task, manager, sales_user, customer):
    make_task(sales_user, title="Sales task", subject=customer, due_in=dt.timedelta(days=-1))
    make_task(manager, title="Manager task")
    client = client_for(manager)
    html = client.get("/tasks/all/").content.decode()
    assert "Sales task" in html and "Manager task" in html and "Overdue" in html
    assert customer.full_name in html
    html = client.get("/tasks/all/", {"overdue": "true"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Sales task" in html and "Manager task" not in html
    export = client.get("/tasks/all/", {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Title" and len(rows) == 3


def test_task_list_query_count_is_pinned(
    client_for, make_task, manager, customer, django_assert_num_queries
):
    client = client_for(manager)
    for _ in range(3):
        make_task(manager, subject=customer)
    client.get("/tasks/all/")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/tasks/all/").status_code == 200
    for _ in range(20):
        make_task(manager, subject=customer)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/tasks/all/").status_code == 200


# session, user, role access, role, the page of tasks (assignee joined), assignee filter
# choices, nav badge, unread notifications: the same for 3 tasks as for 23.
LIST_QUERIES = 8


def test_add_task_from_a_customer_profile(client_for, sales_user, customer):
    client = client_for(sales_user)
    url = f"/tasks/new/?subject_type=customers.customer&subject_id={customer.pk}"
    page = client.get(url)
    assert page.status_code == 200 and customer.full_name in page.content.decode()
    response = client.post(
        "/tasks/new/",
        {
            "title": "Collect address proof",
            "due_at": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "priority": "high",
            "reminder_minutes_before": "60",
            "subject_type": "customers.customer",
            "subject_id": str(customer.pk),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/tasks/"
    task = Task.objects.get()
    assert task.customer == customer and task.assignee == sales_user
    assert task.reminder_minutes_before == 60


def test_add_task_keeps_input_on_errors(client_for, sales_user):
    response = client_for(sales_user).post(
        "/tasks/new/", {"title": "", "priority": "high", "reminder_minutes_before": "30"}
    )
    assert response.status_code == 400 and "title" in response.context["form"].errors


def test_add_task_for_an_unknown_record_is_refused(client_for, sales_user):
    response = client_for(sales_user).get(
        "/tasks/new/?subject_type=customers.customer&subject_id=999"
    )
    assert response.status_code == 403


def test_edit_and_detail(client_for, make_task, sales_user, sales_user2):
    task = make_task(sales_user, title="Old title")
    client = client_for(sales_user)
    assert client.get(f"/tasks/{task.pk}/edit/").status_code == 200
    response = client.post(
        f"/tasks/{task.pk}/edit/",
        {
            "title": "New title",
            "priority": "low",
            "reminder_minutes_before": "0",
            "assignee": sales_user2.pk,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority, task.assignee) == ("New title", "low", sales_user2)
    html = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "New title" in html and "Mark done" in html


def test_customer_tasks_tab(client_for, make_task, sales_user, customer, django_assert_num_queries):
    make_task(sales_user, subject=customer, title="Open follow-up")
    closed = make_task(sales_user, subject=customer, title="Closed follow-up")
    services.change_status(closed, actor=sales_user, to_status=TaskStatus.CANCELED)
    client = client_for(sales_user)
    url = f"/customers/{customer.pk}/tasks/"
    html = client.get(url).content.decode()
    assert 'Tasks <span class="count" data-testid="tab-count-tasks">1 open</span>' in html
    assert html.index("Open follow-up") < html.index("Closed follow-up")
    assert f"subject_type=customers.customer&amp;subject_id={customer.pk}" in html
    pinned = TAB_QUERIES + profile_tab_counts(sales_user)
    with django_assert_num_queries(pinned):
        client.get(url)
    for _ in range(15):
        make_task(sales_user, subject=customer)
    with django_assert_num_queries(pinned):
        client.get(url)


# The customer profile (session, user, role access, customer, role, nav badge, unread
# notifications; + one count per visible tab) plus the tasks tab's paginator count and page:
# the same for 2 tasks as for 17.
TAB_QUERIES = 9


def test_no_tasks_access(client_for, user_factory):
    nobody = user_factory(None, username="no-role")
    assert client_for(nobody).get("/tasks/").status_code == 403
    assert client_for(None).get("/tasks/").status_code == 302


@pytest.mark.parametrize("sort", ["title", "-priority", "status", "due", "-due"])
def test_every_sortable_task_column_is_a_valid_sort(client_for, make_task, manager, sort):
    make_task(manager, title="Sortable")
    html = client_for(manager).get("/tasks/all/", {"sort": sort}).content.decode()
    assert "alert-error" not in html and "Sortable" in html


def test_the_assignee_list_offers_me_once(client_for, sales_user, sales_user2):
    page = client_for(sales_user).get("/tasks/new/").content.decode()
    select = re.search(r'<select name="assignee".*?</select>', page, re.S)
    assert select, "no assignee select"
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))
    assert sum(sales_user.display_name in o for o in options) == 1
    assert options[0] == f"Me ({sales_user.display_name})"
    assert any(sales_user2.display_name in o for o in options)


def test_editing_a_task_of_mine_keeps_me_selected(client_for, sales_user):
    task = services.create_task(actor=sales_user, data={"title": "Call back"})
    page = client_for(sales_user).get(f"/tasks/{task.pk}/edit/").content.decode()
    select = re.search(r'<select name="assignee".*?</select>', page, re.S)
    assert select and re.search(r'<option value="" selected>Me \(', select.group(0))
