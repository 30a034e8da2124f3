from django import forms

from customer_quantum.models import Customer, NotificationPreference, Ticket, time_zone_names
from message_contracts.surveys import COMMENT_MAX_LENGTH, RATING_MAX, RATING_MIN


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["title", "description", "device_category", "priority"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


class RegistrationForm(forms.Form):
    username = forms.CharField(max_length=150)
    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    phone = forms.CharField(max_length=32, required=False)
    address = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    notification_preference = forms.ChoiceField(
        choices=NotificationPreference.choices, initial=NotificationPreference.EMAIL
    )
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        widget=forms.PasswordInput, strip=False, label="Password (again)"
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class ProfileForm(forms.ModelForm):
    # A list to pick from: a zone's exact IANA spelling is not something to ask anybody to type.
    time_zone = forms.ChoiceField(
        label="Time zone", choices=_time_zone_choices, help_text="Every time here is shown in it."
    )

    class Meta:
        model = Customer
        fields = ["name", "email", "phone", "address", "notification_preference", "time_zone"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self) -> None:
        """Not here: the form would say that an address is another customer's. The service sends
        a new address a link instead, and tells the owner of a taken one."""


class CardSecretInput(forms.TextInput):
    """A typed card number or CVC is never sent back to the browser, not even to redisplay a form."""

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


class CardHolderInput(forms.TextInput):
    """Redisplays the name typed, unless it holds digits: that may be a card number in the wrong box."""

    def get_context(self, name, value, attrs):
        if value and any(character.isdigit() for character in str(value)):
            value = None
        return super().get_context(name, value, attrs)


class CardForm(forms.Form):
    """What a customer types to add a card; `card_register` checks the card rules."""

    number = forms.CharField(
        label="Card number",
        widget=CardSecretInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    expiry_month = forms.IntegerField(
        label="Expiry month", widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-month"})
    )
    expiry_year = forms.IntegerField(
        label="Expiry year", widget=forms.NumberInput(attrs={"autocomplete": "cc-exp-year"})
    )
    cvc = forms.CharField(
        label="Security code (CVC)",
        widget=CardSecretInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    holder_name = forms.CharField(
        label="Name on the card", widget=CardHolderInput(attrs={"autocomplete": "cc-name"})
    )


def _yes_or_no(answer: str) -> bool:
    return answer == "yes"


def _optional_yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=f"{label} (optional)",
        choices=[("yes", "Yes"), ("no", "No"), ("", "No answer")],
        coerce=_yes_or_no,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class SurveyForm(forms.Form):
    """A completed ticket's survey; `survey_submit` checks the answers again before sending them."""

    rating = forms.TypedChoiceField(
        label=f"How did we do? ({RATING_MIN} = poor, {RATING_MAX} = excellent)",
        choices=[(value, str(value)) for value in range(RATING_MIN, RATING_MAX + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose a rating from {RATING_MIN} to {RATING_MAX}."},
    )
    comment = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    expert_on_time = _optional_yes_no("Did the expert arrive on time?")
    would_recommend = _optional_yes_no("Would you recommend the Sysops Squad to a friend?")
