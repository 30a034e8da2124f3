"""The billing quantum's end of the message bus."""

from messaging.endpoint import Endpoint

endpoint = Endpoint(app_label="billing_quantum", handlers={})
