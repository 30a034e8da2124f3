"""Customers: registration, profile and support plan."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone

from customer_quantum.apps import DATABASE
from customer_quantum.models import Customer, NotificationPreference, SupportContract, SupportPlan
from message_contracts.support_plans import SupportPlanChosen
from messaging.endpoint import endpoint_for

EMAIL_TAKEN = "A customer with this e-mail address is already registered."
USERNAME_TAKEN = "A user with that username already exists."


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
) -> Customer:
    """Creates the identity user and the customer together: both are stored or neither is."""
    user = get_user_model()(username=username, email=email)
    profile = {
        "phone": phone,
        "address": address,
        "notification_preference": notification_preference,
    }
    errors = _registration_errors(user, Customer(name=name, email=email, **profile), password)
    if errors:
        raise ValidationError(errors)

    # Two databases, so two transactions nested: a failure in either rolls both back.
    try:
        with transaction.atomic(using=DEFAULT_DB_ALIAS), transaction.atomic(using=DATABASE):
            user.set_password(password)
            user.save()
            return customer_create(user_id=user.id, name=name, email=email, **profile)
    except IntegrityError:
        # Another registration took the username or e-mail between the checks and the insert.
        raise ValidationError({"username": [USERNAME_TAKEN]}) from None


def _registration_errors(user, customer: Customer, password: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for candidate, not_yet_known in ((user, ["password"]), (customer, ["user_id"])):
        try:
            candidate.full_clean(exclude=not_yet_known)
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                errors.setdefault(field, []).extend(
                    m for m in messages if m not in errors.get(field, [])
                )
    if get_user_model().objects.filter(username__iexact=user.username).exists():
        errors["username"] = [USERNAME_TAKEN]
    if Customer.objects.filter(email__iexact=customer.email).exists():
        errors["email"] = [EMAIL_TAKEN]
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as weak:
        errors["password"] = weak.messages
    return errors


def customer_profile_update(*, customer: Customer, **changes: str) -> Customer:
    if "email" in changes and (
        Customer.objects.filter(email__iexact=changes["email"]).exclude(pk=customer.pk).exists()
    ):
        raise ValidationError({"email": [EMAIL_TAKEN]})
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.full_clean()
    customer.save(update_fields=[*changes])
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
