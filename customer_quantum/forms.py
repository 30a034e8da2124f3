from django import forms

from customer_quantum.models import Ticket


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["title", "description", "device_category", "priority"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
