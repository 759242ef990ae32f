"""Dialogs keep the user's work: a refused form stays open with the error beside its field."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from .conftest import screenshot


def test_log_call_dialog_keeps_typed_text_and_shows_the_error_in_place(
    page: Any, login: Any, make_user: Any, customers: list[Any]
) -> None:
    from clientdesk.calls.models import CallLog

    customer = customers[0]
    login(page, make_user("admin", username="calls.admin"))
    page.goto(f"/customers/{customer.pk}/calls/")
    page.get_by_role("button", name="Log a call").first.click()
    dialog = page.locator("dialog#log-call-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#id_duration").fill("soon")
    dialog.locator("#id_notes").fill("Asked about the margin call")
    dialog.get_by_role("button", name="Log call").click()
    expect(dialog.get_by_role("alert")).to_contain_text("The call was not logged.")
    expect(dialog).to_be_visible()  # still open, not closed behind a banner
    expect(dialog.locator(".field.has-error #id_duration")).to_have_value("soon")
    expect(dialog.locator("#id_notes")).to_have_value("Asked about the margin call")
    screenshot(page, "log-call-dialog-error", full_page=False)
    assert CallLog.objects.count() == 0
    dialog.locator("#id_duration").fill("2:30")
    dialog.get_by_role("button", name="Log call").click()
    expect(page.locator(".messages")).to_contain_text("Call logged.")
    expect(page.locator("dialog#log-call-dialog")).to_be_hidden()
    assert CallLog.objects.get().duration_seconds == 150
