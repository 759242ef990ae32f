"""Two-factor sign-in: TOTP authenticator apps (django-otp) and one-time recovery codes.

Invariants:
- a user has at most one confirmed TOTP device; enrolling again replaces it on confirmation;
- recovery codes are stored only as keyed hashes and each works once;
- every verification, failure, enrolment, regeneration and reset writes an audit record in
  the same transaction as the change it describes.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.core import audit
from clientdesk.core.crypto import keyed_hash
from clientdesk.core.permissions import Access, Module, require

from .models import RecoveryCode

# Session states of the second factor (kept in the session by accounts.sessions).
VERIFIED = "ok"  # verified, or nothing to verify
MUST_VERIFY = "verify"  # enrolled: asks for a code after the password
MUST_ENROL = "enrol"  # the role requires a factor and the user has none yet

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
_CODE_LENGTH = 12  # 60 bits


def is_required(user: Any) -> bool:
    """Must this user sign in with a second factor (when the switch is on)?"""
    if not settings.TWO_FACTOR_ENFORCED:
        return False
    if user.role_id is None:
        return bool(user.is_superuser)
    return bool(user.role.requires_two_factor)


def device_for(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def state_at_sign_in(user: Any) -> str:
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return MUST_VERIFY
    return MUST_ENROL if is_required(user) else VERIFIED


# --- enrolment -------------------------------------------------------------------------------


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (made once, so a reload keeps the same QR)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps show it, for typing in by hand."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(data: str) -> str:
    """An inline SVG QR code: one <path>, attributes only (no script, no style)."""
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    cells = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="220" height="220" shape-rendering="crispEdges" role="img" '
        f'aria-label="QR code for your authenticator app">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{cells}" fill="#000"/></svg>'
    )


def confirm_enrolment(user: Any, *, actor: Any, token: str) -> list[str] | None:
    """Confirm the pending device with a code from the app; returns new recovery codes.

    None when the code is wrong (audited as a failure). Any older device is replaced.
    """
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None or not device.verify_token(_digits(token)):
            audit.record(
                actor=actor, action="two_factor_failed", target=user, changes={"step": "enrol"}
            )
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_codes(user)
        audit.record(
            actor=actor,
            action="two_factor_enrolled",
            target=user,
            changes={"recovery_codes": len(codes)},
        )
    return codes


# --- verification at sign-in -----------------------------------------------------------------


THROTTLED = "throttled"


def verify(user: Any, *, code: str) -> str | None:
    """Check a code from the app or a recovery code: "totp", "recovery", None (wrong), or
    THROTTLED (django-otp asks to wait after wrong codes: 1, 2, 4 ... seconds).

    Audited either way (the code itself never is). A TOTP code is refused when django-otp's
    throttle says wait, and cannot be used twice (django-otp keeps the last time step).
    """
    cleaned = code.strip().replace(" ", "").replace("-", "").upper()
    with transaction.atomic():
        if cleaned.isdigit() and len(cleaned) in (6, 8):
            device = device_for(user)
            if device is not None and not device.verify_is_allowed()[0]:
                audit.record(
                    actor=user,
                    action="two_factor_failed",
                    target=user,
                    changes={"step": "verify", "throttled": True},
                )
                return THROTTLED
            if device is not None and device.verify_token(cleaned):
                audit.record(actor=user, action="two_factor_ok", target=user)
                return "totp"
        elif len(cleaned) == _CODE_LENGTH:
            used = RecoveryCode.objects.filter(
                user=user, code_hash=_hash(cleaned), used_at__isnull=True
            ).update(used_at=timezone.now())
            if used:
                left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
                audit.record(
                    actor=user,
                    action="recovery_code_used",
                    target=user,
                    changes={"codes_left": left},
                )
                return "recovery"
    audit.record(actor=user, action="two_factor_failed", target=user, changes={"step": "verify"})
    return None


def unused_codes(user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- demo ------------------------------------------------------------------------------------


def ensure_demo_devices(users: Any) -> dict[str, tuple[str, str]]:
    """Demo users whose role requires a factor get a TOTP device with a fixed, public key.

    Returns username -> (the code valid now, the key in base32). Development demo only
    (``demo_logins`` never calls this in production).
    """
    import hashlib

    from django_otp.oath import totp

    found: dict[str, tuple[str, str]] = {}
    for user in users:
        if not is_required(user) and device_for(user) is None:
            continue
        key = hashlib.sha256(f"clientdesk-demo-totp-{user.username}".encode()).hexdigest()[:40]
        device = device_for(user)
        if device is None:
            device = TOTPDevice.objects.create(
                user=user, name="Demo authenticator", key=key, confirmed=True
            )
        if device.key != key:
            continue  # enrolled with a real app: nothing to print
        code = str(totp(device.bin_key, device.step, device.t0, device.digits)).zfill(6)
        found[user.username] = (code, secret_base32(device))
    return found


# --- recovery codes and reset ----------------------------------------------------------------


def regenerate_recovery_codes(user: Any, *, actor: Any) -> list[str]:
    """New codes for an enrolled user; the old ones stop working. Shown once."""
    with transaction.atomic():
        codes = _replace_codes(user)
        audit.record(
            actor=actor, action="recovery_codes_new", target=user, changes={"count": len(codes)}
        )
    return codes


def reset(user: Any, *, actor: Any, keep_session: str | None = None) -> int:
    """An Admin removes a user's authenticator and recovery codes (lost phone).

    The user's sessions end too (they were opened with the old factor), except the Admin's
    own (``keep_session``) when the Admin resets themselves. The user enrols again at the
    next sign-in when the role requires it. Returns the number of devices removed.
    """
    from . import sessions

    require(actor, Module.ADMINISTRATION, Access.WRITE)
    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
        codes = RecoveryCode.objects.filter(user=user).delete()[0]
        ended = sessions.end_all(user, keep=keep_session)
        audit.record(
            actor=actor,
            action="two_factor_reset",
            target=user,
            changes={"devices": devices, "recovery_codes": codes, "sessions_ended": ended},
        )
    return devices


def _replace_codes(user: Any) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
        for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(c)) for c in codes)
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def _hash(code: str) -> str:
    return keyed_hash("recovery-code", code)


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())
