"""The REST API (``spec/api.md``): FastAPI routers that parse, authorise, call a service and render."""
