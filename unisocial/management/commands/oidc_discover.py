"""``manage.py oidc_discover https://id.example.org``: the OIDC_* environment lines for a provider,
read from its discovery document (settings never reach the network when they load)."""
import requests
from django.core.management.base import BaseCommand, CommandError

LINES = (
    ("OIDC_OP_ISSUER", "issuer"),
    ("OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint"),
    ("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint"),
    ("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint"),
    ("OIDC_OP_JWKS_ENDPOINT", "jwks_uri"),
)


class Command(BaseCommand):
    help = "Print the OIDC_* endpoint variables of an OpenID provider from its discovery document."

    def add_arguments(self, parser):
        parser.add_argument("issuer")

    def handle(self, issuer, **options):
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
            meta = response.json()
        except (requests.RequestException, ValueError) as error:
            raise CommandError(f"could not read {url}: {error}") from error
        missing = [key for _, key in LINES if not meta.get(key)]
        if missing:
            raise CommandError(f"{url} lacks {', '.join(missing)}")
        if meta["issuer"] != issuer.rstrip("/") and meta["issuer"] != issuer:
            raise CommandError(f"{url} names another issuer: {meta['issuer']}")
        for name, key in LINES:
            self.stdout.write(f"{name}={meta[key]}")
        if meta.get("end_session_endpoint"):  # optional: RP-initiated logout
            self.stdout.write(f"OIDC_OP_LOGOUT_ENDPOINT={meta['end_session_endpoint']}")
        if not meta.get("backchannel_logout_supported"):
            self.stderr.write("note: this provider does not announce back-channel logout")
