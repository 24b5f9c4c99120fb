"""The web pages, one module per page family; each declares its routes with `routing.page`."""
