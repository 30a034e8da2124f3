"""The survey invitation (UC-4) as the customer receives it: the ticket, the link, and until when."""

import pytest

from notifications.services import notifications_send_due

pytestmark = pytest.mark.django_db(databases="__all__")

LINK = "https://sysops.example.com/surveys/eyJhIjoiYiJ9:c2lnbmF0dXJl/"
SURVEY_INVITED = {
    "notification_type": "survey_invited",
    "context": {"title": "Laptop does not boot", "link": LINK, "expires_on": "2026-12-09"},
    "reference": "00bf480c-679f-462d-b49d-f062fe71a570",
}


def test_the_customer_gets_the_survey_link_by_e_mail_or_sms(
    request_arrives, mailoutbox, sms_folder
):
    request_arrives(**SURVEY_INVITED)
    request_arrives(
        **SURVEY_INVITED,
        channel="sms",
        recipient={"name": "Alice Martin", "email": None, "phone": "+1 555 0100"},
    )

    notifications_send_due()

    [mail] = mailoutbox
    assert mail.subject == "How did we do? Laptop does not boot"
    assert mail.body.startswith("Dear Alice Martin,")
    assert 'your ticket "Laptop does not boot" is completed' in mail.body
    assert f"\n{LINK}\n" in mail.body
    assert "The link works once, until 2026-12-09" in mail.body
    [sms] = list(sms_folder.iterdir())
    assert sms.read_text().strip().endswith(f"Tell us until 2026-12-09: {LINK}")
