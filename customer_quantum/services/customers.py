"""Customers: registration, profile and support plan."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, NotificationPreference, SupportContract, SupportPlan
from customer_quantum.services.notifications import address_email
from message_contracts.notifications import NotificationType
from message_contracts.support_plans import SupportPlanChosen
from messaging.endpoint import endpoint_for

# A signed link proves that its holder reads the mailbox it was sent to; its salt is its own, so no
# other signed value of the project can pass for it.
EMAIL_LINK_SALT = "customer_quantum.email-confirmation"
EMAIL_LINK_DAYS = 3
# What a registration is answered, whether it opened an account or not.
REGISTRATION_RECEIVED = "Thank you. We have sent a message to {email}: it tells you how to go on."


def customer_create(*, user_id: int, name: str, email: str, **profile: str) -> Customer:
    customer = Customer(user_id=user_id, name=name, email=email, **profile)
    customer.full_clean()
    customer.save()
    return customer


def customer_register(
    *,
    username: str,
    password: str,
    name: str,
    email: str,
    phone: str = "",
    address: str = "",
    notification_preference: str = NotificationPreference.EMAIL,
) -> None:
    """Opens an account: the identity user and the customer, both stored or neither. If the username
    or the e-mail address is already someone's, opens nothing and says so by e-mail only, to the
    address given (its owner, if it is a customer's). Nothing is returned, so that every caller
    answers the same whatever happened: the answer never tells who has an account here.

    Bad input (a weak password, a malformed address) is still refused with each field named: that
    says nothing about other accounts."""
    user = get_user_model()(username=username, email=email)
    # Hashed before anything is looked up, so an address in use answers no faster than a new one.
    user.set_password(password)
    profile = {
        "phone": phone,
        "address": address,
        "notification_preference": notification_preference,
    }
    errors = _registration_errors(user, Customer(name=name, email=email, **profile), password)
    if errors:
        raise ValidationError(errors)
    if _registration_refused(username=username, name=name, email=email):
        return

    # Two databases, so two transactions nested: a failure in either rolls both back. The input is
    # checked already; only the database's unique keys stand between a concurrent registration
    # and this one, and they answer like a taken name, never with a message of their own.
    try:
        with transaction.atomic(using=DEFAULT_DB_ALIAS), transaction.atomic(using=DATABASE):
            user.save()
            customer = Customer.objects.create(user_id=user.id, name=name, email=email, **profile)
            address_email(
                name=customer.name,
                email=customer.email,
                notification_type=NotificationType.ACCOUNT_OPENED,
                context={"username": username, "link": _portal_link("login")},
            )
    except IntegrityError:
        # Another registration took the username or the address between the check and the insert.
        _registration_refused(username=username, name=name, email=email)


def _registration_errors(user, customer: Customer, password: str) -> dict[str, list[str]]:
    """What is wrong with the input itself; whether a name or address is taken is not asked here."""
    errors: dict[str, list[str]] = {}
    for candidate, not_yet_known in ((user, ["password"]), (customer, ["user_id"])):
        try:
            candidate.full_clean(exclude=not_yet_known, validate_unique=False)
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                errors.setdefault(field, []).extend(
                    m for m in messages if m not in errors.get(field, [])
                )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as weak:
        errors["password"] = weak.messages
    return errors


def _registration_refused(*, username: str, name: str, email: str) -> bool:
    """True if the username or the address is taken, after telling the address given by e-mail."""
    owner = _customer_with_email(email)
    if owner is not None:
        _tell_owner_of_address(owner, attempt="open another account")
        return True
    if get_user_model().objects.filter(username__iexact=username).exists():
        address_email(
            name=name,
            email=email,
            notification_type=NotificationType.USERNAME_UNAVAILABLE,
            context={"username": username, "link": _portal_link("portal:register")},
        )
        return True
    return False


def _customer_with_email(email: str, *, other_than: Customer | None = None) -> Customer | None:
    customers = Customer.objects.filter(email__iexact=email)
    if other_than is not None:
        customers = customers.exclude(pk=other_than.pk)
    return customers.first()


def _tell_owner_of_address(owner: Customer, *, attempt: str) -> None:
    username = get_user_model().objects.get(pk=owner.user_id).username
    address_email(
        name=owner.name,
        email=owner.email,
        notification_type=NotificationType.ADDRESS_IN_USE,
        context={"attempt": attempt, "username": username, "link": _portal_link("login")},
    )


def _portal_link(name: str, *args: str) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, args=args)


def customer_profile_update(*, customer: Customer, **changes: str) -> Customer:
    """Saves the changes at once, except a new e-mail address: that is only sent a link, and takes
    effect when the link is opened (`customer_email_confirm`). If the address is already another
    customer's, its owner is told instead. The answer is the same either way, so nobody learns
    whose address is registered here."""
    # The stored address, not the instance's: a model form has already written its input there.
    customer.email = Customer.objects.values_list("email", flat=True).get(pk=customer.pk)
    new_email = changes.pop("email", customer.email)
    same_address = new_email.casefold() == customer.email.casefold()
    if same_address:
        changes["email"] = new_email
    else:
        try:
            Customer._meta.get_field("email").clean(new_email, customer)
        except ValidationError as invalid:
            raise ValidationError({"email": invalid.messages}) from None
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.full_clean(validate_unique=False)
    with transaction.atomic(using=DATABASE):
        customer.save(update_fields=[*changes])
        if not same_address:
            _email_change_request(customer, new_email)
    return customer


def _email_change_request(customer: Customer, new_email: str) -> None:
    owner = _customer_with_email(new_email, other_than=customer)
    if owner is not None:
        _tell_owner_of_address(owner, attempt="put it on another account")
        return
    token = signing.TimestampSigner(salt=EMAIL_LINK_SALT).sign_object(
        {"customer": customer.pk, "email": new_email}
    )
    expires_on = timezone.localdate() + timedelta(days=EMAIL_LINK_DAYS)
    address_email(
        name=customer.name,
        email=new_email,
        notification_type=NotificationType.EMAIL_CONFIRMATION,
        context={
            "link": _portal_link("portal:email-confirm", token),
            "expires_on": expires_on.isoformat(),
        },
    )


def customer_email_confirm(*, customer: Customer, token: str) -> Customer:
    """Puts the address a confirmation link names on the profile, if the link is genuine, recent
    and this customer's, and the address is still nobody else's."""
    try:
        asked = signing.TimestampSigner(salt=EMAIL_LINK_SALT).unsign_object(
            token, max_age=timedelta(days=EMAIL_LINK_DAYS)
        )
    except signing.SignatureExpired:
        raise ValidationError("This link has expired: change your e-mail address again.") from None
    except signing.BadSignature:
        raise ValidationError("This link is not valid.") from None
    if asked["customer"] != customer.pk:
        raise ValidationError("This link was sent for another account.")
    # The link reached the address, so its reader may learn that it is on another account now.
    if _customer_with_email(asked["email"], other_than=customer) is not None:
        raise ValidationError("This address is now on another account.")
    customer.email = asked["email"]
    customer.full_clean(validate_unique=False)
    with transaction.atomic(using=DATABASE):
        customer.save(update_fields=["email"])
    return customer


def support_plan_choose(*, customer: Customer, contract_code: str) -> SupportPlan:
    """Chooses a plan at today's catalog price; billing learns of it by message, the customer
    does not wait for billing."""
    contract = SupportContract.objects.filter(code=contract_code).first()
    if contract is None:
        raise ValidationError({"contract_code": ["There is no support contract with this code."]})
    if not contract.active:
        raise ValidationError({"contract_code": ["This support contract is no longer offered."]})

    with transaction.atomic(using=DATABASE):
        plan = SupportPlan.objects.select_for_update().filter(customer=customer).first()
        if plan and (plan.contract_id, plan.monthly_price) == (
            contract.code,
            contract.monthly_price,
        ):
            return plan
        plan = plan or SupportPlan(customer=customer)
        plan.contract = contract
        plan.monthly_price = contract.monthly_price
        plan.currency = contract.currency
        plan.chosen_at = timezone.now()
        plan.save()
        endpoint_for(DATABASE).publish(
            SupportPlanChosen(
                customer_id=customer.id,
                customer_name=customer.name,
                customer_email=customer.email,
                contract_code=contract.code,
                monthly_price=plan.monthly_price,
                currency=plan.currency,
                chosen_at=plan.chosen_at,
            )
        )
    return plan
