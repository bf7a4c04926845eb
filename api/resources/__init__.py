"""One module per resource: filterset, serializers, viewset, in that order."""
