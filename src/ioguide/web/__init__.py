"""Server-rendered pages (Jinja2 + vendored htmx) for the care team, on the API's app and calling its services."""
