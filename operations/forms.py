"""What staff send to the operations pages: which quantum's dead letters, which letters to replay,
which id to trace."""

from django import forms
from django.core.exceptions import ValidationError

from operations.trace import NothingToTrace, subject_parsed


class DeadLetterFilterForm(forms.Form):
    quantum = forms.ChoiceField(required=False)

    def __init__(self, *args, quanta: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantum"].choices = [("", "every quantum"), *((q, q) for q in quanta)]


class LettersField(forms.Field):
    """The letters ticked in the list, each as `quantum:row`, grouped by quantum."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, quanta: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.quanta = quanta

    def to_python(self, value: list[str] | None) -> dict[str, list[int]]:
        letters: dict[str, list[int]] = {}
        for key in value or []:
            quantum, _, row = key.partition(":")
            if quantum not in self.quanta or not row.isdigit():
                raise ValidationError(f"{key[:60]!r} is not a dead letter you may replay.")
            letters.setdefault(quantum, []).append(int(row))
        return letters

    def validate(self, value: dict[str, list[int]]) -> None:
        if not value:
            raise ValidationError("Tick the dead letters to replay.")


class ReplayForm(forms.Form):
    def __init__(self, *args, quanta: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["letters"] = LettersField(quanta=quanta)


class TraceForm(forms.Form):
    id = forms.CharField(
        label="Ticket, card, invoice, correlation or message id",
        max_length=100,
        widget=forms.TextInput(attrs={"size": 40}),
    )

    def clean_id(self):
        try:
            return subject_parsed(self.cleaned_data["id"])
        except NothingToTrace as problem:
            raise ValidationError(str(problem)) from None
