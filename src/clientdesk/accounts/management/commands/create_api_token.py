from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clientdesk.accounts.scopes import vocabulary
from clientdesk.accounts.services import issue_api_token


class Command(BaseCommand):
    help = (
        "Create a REST API token for USERNAME and print it once (only its hash is stored). "
        "Without --scope the token gets the user's role as it is now."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--rotate", action="store_true", help="Revoke the user's older tokens.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            metavar="SCOPE",
            help="Repeatable, e.g. --scope calls:write --scope customers:read. Known: "
            + ", ".join(vocabulary()),
        )
        parser.add_argument("--days", type=int, help="Days until it expires.")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["username"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {options['username']!r}.") from exc
        if not user.is_active:
            raise CommandError(f"{user.username} is deactivated.")
        try:
            key = issue_api_token(
                user,
                actor=None,
                rotate=options["rotate"],
                scopes=options["scopes"],
                days=options["days"],
                name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
            ) from exc
        self.stdout.write(key)
