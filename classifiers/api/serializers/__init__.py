"""What the API reads and writes, one module beside each module of api/views. Input serializers check
shape and types only; the services decide what is allowed (names, limits, states) and raise ServiceErrors
that say why. Serializers only shape: the views and selectors read and count, serializers make no query."""
