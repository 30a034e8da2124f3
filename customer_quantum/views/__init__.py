"""Portal pages: thin views over the customer quantum's services and selectors."""
