"""The release of ragchat, reported by the health check and the OpenAPI document."""

__version__ = "0.1.0"
