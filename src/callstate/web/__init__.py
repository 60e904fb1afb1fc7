"""HTTP: webhook ingress (verify, parse, record, answer fast), health, the JSON API."""
