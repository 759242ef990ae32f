"""Signing in (password, then the second factor), enrolment, and the user's own account page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from clientdesk.core.views import apply_errors, safe_next

from . import services, sessions, two_factor


class SignInView(auth_views.LoginView):
    """The password step. Axes refuses it while locked; a second factor may follow."""

    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        state = self.request.session.get(sessions.TWO_FACTOR, two_factor.VERIFIED)
        if state == two_factor.VERIFIED:
            return response
        step = "login-verify" if state == two_factor.MUST_VERIFY else "account:two_factor"
        url = reverse(step)
        next_url = self.get_redirect_url()
        return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


def _state(request: HttpRequest) -> str:
    return str(request.session.get(sessions.TWO_FACTOR, two_factor.VERIFIED))


def _verified(request: HttpRequest, device: Any = None) -> None:
    request.session[sessions.TWO_FACTOR] = two_factor.VERIFIED
    request.session.pop("_cd_two_factor_failures", None)
    if device is not None:
        django_otp.login(request, device)


class VerifyView(LoginRequiredMixin, View):
    """After the password: a code from the authenticator app, or a recovery code."""

    template = "registration/two_factor_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if _state(request) != two_factor.MUST_VERIFY:
            return redirect(safe_next(request, reverse("home")))
        return self._render(request, CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        if _state(request) != two_factor.MUST_VERIFY:
            return redirect(safe_next(request, reverse("home")))
        form = CodeForm(request.POST)
        if form.is_valid():
            kind = two_factor.verify(request.user, code=form.cleaned_data["code"])
            if kind == two_factor.THROTTLED:
                form.add_error("code", "Too many wrong codes in a row: wait a few seconds.")
                return self._render(request, form, status=429)
            if kind:
                _verified(request, two_factor.device_for(request.user))
                if kind == "recovery":
                    left = two_factor.unused_codes(request.user)
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; {left} left. Make new ones "
                        "on your account page if you are running low.",
                    )
                return redirect(safe_next(request, reverse("home")))
            failures = request.session.get("_cd_two_factor_failures", 0) + 1
            request.session["_cd_two_factor_failures"] = failures
            if failures >= settings.TWO_FACTOR_MAX_ATTEMPTS:
                request.signout_reason = "two_factor_failed"  # type: ignore[attr-defined]
                logout(request)
                messages.error(request, "Too many wrong codes. Sign in again.")
                return redirect("login")
            form.add_error(
                "code", "That code is not right (or it was already used). Try the current one."
            )
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
        context = {"form": form, "next": safe_next(request, "")}
        return render(request, self.template, context, status=status)


class EnrolView(LoginRequiredMixin, View):
    """Set up an authenticator app: scan the QR code, confirm one code, keep recovery codes."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, CodeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CodeForm(request.POST)
        if form.is_valid():
            codes = two_factor.confirm_enrolment(
                request.user, actor=request.user, token=form.cleaned_data["code"]
            )
            if codes is not None:
                _verified(request, two_factor.device_for(request.user))
                return _show_codes(request, codes, enrolled=True)
            form.add_error(
                "code", "That code does not match. Check the app shows ClientDesk and try again."
            )
        return self._render(request, form, status=400)

    def _render(self, request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
        device = two_factor.pending_device(request.user)
        context = {
            "form": form,
            "qr_svg": two_factor.qr_svg(device.config_url),
            "secret": two_factor.secret_base32(device),
            "required": _state(request) == two_factor.MUST_ENROL,
            "replacing": two_factor.device_for(request.user) is not None,
            "next": safe_next(request, ""),
        }
        return render(request, "registration/two_factor_enrol.html", context, status=status)


def _show_codes(request: HttpRequest, codes: list[str], *, enrolled: bool) -> HttpResponse:
    """Recovery codes, shown this once (they are stored only as hashes)."""
    response = render(
        request,
        "registration/recovery_codes.html",
        {"codes": codes, "enrolled": enrolled, "next": safe_next(request, reverse("home"))},
    )
    response["Cache-Control"] = "no-store"
    return response


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class AccountView(LoginRequiredMixin, View):
    """The signed-in user's own page: second factor, recovery codes, sessions, password."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, PasswordChangeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        action = request.POST.get("action", "")
        user = request.user
        if action == "recovery_codes" and two_factor.device_for(user) is not None:
            codes = two_factor.regenerate_recovery_codes(user, actor=user)
            return _show_codes(request, codes, enrolled=False)
        if action == "sign_out_everywhere":
            ended = sessions.sign_out_everywhere(user, actor=user, keep=request.session.session_key)
            messages.success(request, f"Signed out of {ended} other session(s).")
            return redirect("account:home")
        if action == "password":
            return self._password(request)
        messages.error(request, "Unknown action.")
        return self._render(request, PasswordChangeForm(), status=400)

    def _password(self, request: HttpRequest) -> HttpResponse:
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                services.change_own_password(
                    request.user,
                    actor=request.user,
                    old_password=form.cleaned_data["old_password"],
                    password=form.cleaned_data["new_password"],
                    keep_session=request.session.session_key,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                update_session_auth_hash(request, request.user)  # type: ignore[arg-type]
                messages.success(request, "Password changed. Your other sessions were ended.")
                return redirect("account:home")
        return self._render(request, form, status=400)

    def _render(
        self, request: HttpRequest, form: PasswordChangeForm, status: int = 200
    ) -> HttpResponse:
        user = request.user
        device = two_factor.device_for(user)
        context = {
            "title": "Your account",
            "device": device,
            "codes_left": two_factor.unused_codes(user) if device else 0,
            "required": two_factor.is_required(user),
            "user_sessions": sessions.for_user(user),
            "current_key": request.session.session_key,
            "password_form": form,
        }
        return render(request, "accounts/account.html", context, status=status)
