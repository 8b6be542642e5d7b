"""Server-rendered pages for counter clerks, officers, leaders, managers and citizens (Jinja2 +
vendored htmx + plain CSS), calling the domain services directly. Not part of the JSON API."""
