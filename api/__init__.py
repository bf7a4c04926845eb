"""The HTTP service: settings, URLs and the REST layer of the registry."""
