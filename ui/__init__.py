"""Patient and staff front ends: the FastAPI service (and later the widget and the console)."""
