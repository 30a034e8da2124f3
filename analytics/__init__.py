"""Analytics: surveys, ticket and financial facts, reports for managers."""
