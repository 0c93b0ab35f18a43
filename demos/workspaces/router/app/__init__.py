"""A tiny web app: handlers register themselves with @route."""
