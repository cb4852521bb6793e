"""The real identity provider's fixtures (tests/identity/oidc_provider.py)."""
from .oidc_provider import oidc, provider  # noqa: F401
