"""What the quality engineer types on a switching page: why inspection is reinstated or restarted, and the
skip-lot frequency (bounds and qualification are the service's, ``quality.services.switching``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy, pgettext_lazy

from quality.models import Severity
from quality.services.switching import REASON_MAX, RESET_SEVERITIES, SKIP_EVERY_MAX


class ReinstateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("The supplier's corrective action and how it was verified."),
    )


class ResetForm(forms.Form):
    severity = forms.ChoiceField(
        label=pgettext_lazy("inspection severity", "Severity"),
        choices=[(s, Severity(s).label) for s in RESET_SEVERITIES],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class SkipLotForm(forms.Form):
    every = forms.IntegerField(
        min_value=0,
        max_value=SKIP_EVERY_MAX,
        label=gettext_lazy("Inspect 1 lot in N"),
        help_text=gettext_lazy("N from 2 to 20; 0 turns skip-lot off."),
    )
