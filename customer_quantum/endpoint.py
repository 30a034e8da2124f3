"""The customer quantum's end of the message bus."""

from messaging.endpoint import Endpoint

endpoint = Endpoint(app_label="customer_quantum", handlers={})
