"""Who may call the customer API: signed-in customers, each scoped to their own data."""

from rest_framework import generics
from rest_framework.exceptions import PermissionDenied

from customer_quantum.models import Customer
from customer_quantum.selectors import customer_of_user


class CustomerAPIView(generics.GenericAPIView):
    """A view for the signed-in customer only; every query is scoped to that customer."""

    customer: Customer

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        customer = customer_of_user(request.user.id)
        if customer is None:
            raise PermissionDenied("This account has no customer profile.")
        self.customer = customer
