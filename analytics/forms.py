"""The reports' date range, from the query string."""

from datetime import date

from django import forms

from analytics.selectors import Period

MAX_DAYS = 3653


def default_period(today: date) -> Period:
    """The current month and the eleven before it."""
    months_back = today.year * 12 + today.month - 1 - 11
    return Period(first_day=date(months_back // 12, months_back % 12 + 1, 1), last_day=today)


class PeriodForm(forms.Form):
    """`from` and `to` (YYYY-MM-DD, both included). Without `to`, today; without `from`, the first
    day of the twelfth month up to `to`."""

    def __init__(self, data, *, today: date) -> None:
        super().__init__(data)
        self.today = today
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = forms.DateField(
                required=False,
                label=label,
                input_formats=["%Y-%m-%d"],
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        last_day = cleaned.get("to") or self.today
        first_day = cleaned.get("from") or default_period(last_day).first_day
        if first_day > last_day:
            raise forms.ValidationError("The “from” date must be on or before the “to” date.")
        if (last_day - first_day).days >= MAX_DAYS or last_day == date.max:
            raise forms.ValidationError("Choose a period of at most ten years.")
        cleaned["period"] = Period(first_day=first_day, last_day=last_day)
        return cleaned
