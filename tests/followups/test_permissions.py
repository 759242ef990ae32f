"""The task row rule: Tasks WRITE, and for "own" roles being the assignee or the creator."""

from __future__ import annotations

import pytest

from clientdesk.followups import services
from clientdesk.followups.models import Task

pytestmark = pytest.mark.django_db

OWN_SCOPE = {"sales": True, "support": True, "manager": False, "compliance": False, "admin": False}


@pytest.mark.parametrize("role", sorted(OWN_SCOPE))
def test_write_rule_by_role(role, users_by_role, make_task, sales_user2, user_factory):
    user = users_by_role[role]
    creator = user_factory("manager", username="another-manager")
    someone_elses = make_task(creator, assignee=sales_user2)
    assigned = make_task(creator, assignee=user)
    created = make_task(user, assignee=sales_user2)
    assert services.can_edit(user, assigned) and services.can_edit(user, created)
    assert services.can_edit(user, someone_elses) is not OWN_SCOPE[role]
    visible = Task.objects.visible_to(user)
    assert visible.filter(pk=someone_elses.pk).exists() is not OWN_SCOPE[role]


def test_no_role_may_not_read_or_write(user_factory, make_task, manager):
    nobody = user_factory(None, username="nobody")
    task = make_task(manager)
    assert not Task.objects.visible_to(nobody).exists()
    assert not services.can_edit(nobody, task)
