"""The satisfaction survey: a one-time, expiring link to a public page; the result on the
ticket and in the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from clientdesk.activities.services import timeline
from clientdesk.tickets import services
from clientdesk.tickets.models import Status, Ticket, TicketSurvey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_token(
    ticket: Ticket, manager: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, actor=manager, to_status=Status.CLOSED, note="Fixed")
    url = outbox.calls[-1]["context"]["survey_url"]
    return url.rstrip("/").rsplit("/", 1)[1]


def test_answer_once(survey_token: str, ticket: Ticket) -> None:
    survey = services.submit_survey(survey_token, rating="4", comment=" Quick and kind ")
    assert (survey.rating, survey.comment) == (4, "Quick and kind")
    with pytest.raises(services.SurveyUnavailable) as exc:
        services.submit_survey(survey_token, rating=5)
    assert exc.value.reason == "used"
    assert TicketSurvey.objects.get().rating == 4
    activity = timeline(ticket).filter(data__event="survey").get()
    assert "4/5" in activity.body


def test_expires_after_fourteen_days(clock: Any, survey_token: str) -> None:
    clock.advance(days=14, seconds=-1)
    services.survey_for_token(survey_token)  # still fine
    clock.advance(seconds=1)
    with pytest.raises(services.SurveyUnavailable) as exc:
        services.submit_survey(survey_token, rating=3)
    assert exc.value.reason == "expired"


@pytest.mark.parametrize("token", ["", "nope", "x" * 200])
def test_unknown_token(token: str, db: None) -> None:
    with pytest.raises(services.SurveyUnavailable) as exc:
        services.submit_survey(token, rating=3)
    assert exc.value.reason == "invalid"


@pytest.mark.parametrize("rating", [0, 6, "", None, "five", 2.5, True, "-1", [4]])
def test_rating_must_be_one_to_five(survey_token: str, rating: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.submit_survey(survey_token, rating=rating)
    assert "rating" in exc.value.message_dict
    assert TicketSurvey.objects.get().answered_at is None


def test_public_page_without_login(survey_token: str, ticket: Ticket) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/tickets/survey/{survey_token}/")
    assert page.status_code == 200
    assert ticket.number in page.content.decode()
    csrf = page.cookies["csrftoken"].value
    bad = client.post(
        f"/tickets/survey/{survey_token}/", {"rating": "9", "csrfmiddlewaretoken": csrf}
    )
    assert bad.status_code == 400
    done = client.post(
        f"/tickets/survey/{survey_token}/",
        {"rating": "5", "comment": "Great", "csrfmiddlewaretoken": csrf},
    )
    assert done.status_code == 200 and b"Thank you" in done.content
    again = client.get(f"/tickets/survey/{survey_token}/")
    assert again.status_code == 410 and b"already have your answer" in again.content
    resend = client.post(
        f"/tickets/survey/{survey_token}/", {"rating": "1", "csrfmiddlewaretoken": csrf}
    )
    assert resend.status_code == 410
    assert TicketSurvey.objects.get().rating == 5


def test_public_page_messages(clock: Any, survey_token: str) -> None:
    client = Client()
    invalid = client.get("/tickets/survey/not-a-token/")
    assert invalid.status_code == 404 and b"not valid" in invalid.content
    clock.advance(days=15)
    expired = client.get(f"/tickets/survey/{survey_token}/")
    assert expired.status_code == 410 and b"expired" in expired.content


def test_result_on_ticket_page_and_report(
    survey_token: str, ticket: Ticket, client_for: Any, manager: Any
) -> None:
    services.submit_survey(survey_token, rating=2, comment="Slow")
    client = client_for(manager)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "“Slow”" in page and 'aria-label="2 out of 5"' in page
    report = client.get("/tickets/reports/")
    assert report.status_code == 200
    assert report.context["report"]["count"] == 1
    assert report.context["report"]["average"] == 2
    medium = next(r for r in report.context["report"]["per_priority"] if r["priority"] == "Medium")
    assert medium == {"priority": "Medium", "count": 1, "average": 2}


def test_token_is_not_stored_in_clear(survey_token: str) -> None:
    survey = TicketSurvey.objects.get()
    assert survey_token not in survey.token_hash and len(survey.token_hash) == 64
    assert survey.expires_at - survey.sent_at == dt.timedelta(days=14)
