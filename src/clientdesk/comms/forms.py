"""Forms only parse input; the services validate and write."""

from __future__ import annotations

from django import forms

from .models import Channel


class SendMessageForm(forms.Form):
    channel = forms.ChoiceField(choices=[("", "Choose…"), *Channel.choices])
    subject = forms.CharField(
        max_length=200, required=False, help_text="Email, push and in-app messages show it."
    )
    body = forms.CharField(
        label="Message", max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12, "class": "mono"}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="Reply", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
