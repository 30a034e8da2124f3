"""Portal pages for invoices: the billing history and one readable invoice."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from customer_quantum.views.access import customer_page
from customer_quantum.views.pages import page_of


@customer_page
def invoice_list(request: HttpRequest, customer) -> HttpResponse:
    return render(
        request,
        "customer_quantum/invoice_list.html",
        {"invoices": page_of(request, customer.invoices.all())},
    )


@customer_page
def invoice_detail(request: HttpRequest, customer, invoice_id) -> HttpResponse:
    invoice = get_object_or_404(customer.invoices.all(), pk=invoice_id)
    return render(
        request, "customer_quantum/invoice_detail.html", {"invoice": invoice, "customer": customer}
    )
