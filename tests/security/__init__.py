"""Security tests organised by the OWASP API Security Top 10 (2023), one module per category."""
