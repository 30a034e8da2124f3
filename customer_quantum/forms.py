from django import forms

from customer_quantum.models import Customer, NotificationPreference, Ticket


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


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "email", "phone", "address", "notification_preference"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
