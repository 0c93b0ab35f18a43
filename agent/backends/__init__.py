"""Model backends. Import the concrete ones lazily through :func:`agent.backends.registry.make_backend`."""
