"""Print the demo logins ``seed_demo`` created, one per role, and where to use them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from clientdesk.accounts import two_factor
from clientdesk.customers.demo import DEMO_USERS, demo_password

URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Print role, username and password of each demo user, and the URL to sign in at."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default=URL, help=f"Where to sign in (default {URL}).")

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u
            for u in get_user_model()
            .objects.filter(username__in=[d.username for d in DEMO_USERS], is_active=True)
            .select_related("role")
        }
        if not users:
            self.stdout.write("No demo users yet: run `manage.py seed_demo`.")
            return
        password = demo_password()
        factors = {} if settings.PRODUCTION else two_factor.ensure_demo_devices(users.values())
        rows = [("Role", "Username", "Password", "Code now", "Authenticator key")]
        rows += [
            (
                getattr(users[d.username].role, "name", d.role),
                d.username,
                password,
                *factors.get(d.username, ("", "")),
            )
            for d in DEMO_USERS
            if d.username in users
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(5)]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

        self.stdout.write(line(rows[0]).rstrip())
        self.stdout.write("  ".join("-" * width for width in widths))
        for row in rows[1:]:
            self.stdout.write(line(row).rstrip())
        self.stdout.write(f"\nSign in at {options['url']}")
        if factors:
            self.stdout.write(
                "Users with a code sign in with a second factor after the password: type the "
                "code shown (valid about 30 seconds; run `manage.py demo_logins` again for a "
                "fresh one), or add the key to an authenticator app. Demo only: these keys "
                "are public."
            )
        self.stdout.write(
            "(The password is DEMO_PASSWORD, or the default, as seed_demo set it; a password "
            "changed since then is not shown.)"
        )
