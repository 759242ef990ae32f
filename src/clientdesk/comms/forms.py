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
    provider_template = forms.CharField(
        label="Approved WhatsApp template",
        max_length=100,
        required=False,
        help_text="The template name approved by Meta (business-initiated WhatsApp messages).",
    )
    provider_language = forms.CharField(label="Template language", max_length=10, required=False)
    provider_params = forms.CharField(
        label="Template parameters",
        max_length=300,
        required=False,
        help_text="Variables filling {{1}}, {{2}} …, comma-separated, e.g. "
        "customer.first_name,ticket_number.",
    )
    dlt_template_id = forms.CharField(
        label="DLT template id",
        max_length=40,
        required=False,
        help_text="SMS in India: the template id registered on the DLT platform (TRAI).",
    )

    PROVIDER_FIELDS = {
        "whatsapp": ("provider_template", "provider_language", "provider_params"),
        "sms": ("dlt_template_id",),
    }

    def for_channel(self, channel: str) -> TemplateForm:
        """Only the provider fields of the template's channel."""
        keep = self.PROVIDER_FIELDS.get(channel, ())
        for name in (
            "provider_template",
            "provider_language",
            "provider_params",
            "dlt_template_id",
        ):
            if name not in keep:
                del self.fields[name]
        return self


class ReplyForm(forms.Form):
    body = forms.CharField(label="Reply", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
