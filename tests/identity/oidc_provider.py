"""The real identity provider for the OpenID Connect tests (imported by tests/identity/conftest.py and
tests/e2e/conftest.py): panva's oidc-provider (npm, pinned by
package-lock.json), started as ``node tests/identity/provider.mjs`` on a free loopback port, with one
client registered for the live server and test accounts read from a JSON file the tests rewrite.

``provider`` skips, saying why, when node or node_modules/oidc-provider is missing (``npm ci``;
``.ci/run`` does it). ``oidc`` points the site's OIDC_* settings at it for one test.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "identity" / "provider.mjs"
CLIENT_ID = "unisocial-tests"
CLIENT_SECRET = "test-client-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
DEPROVISION_TOKEN = "test-scim-secret-0123456789abcdef"
PROVIDER_NAME = "Test Organisation"

ACCOUNTS = {
    "amelie": {
        "preferred_username": "amelie", "given_name": "Amélie", "family_name": "Durand",
        "name": "Amélie Durand", "email": "amelie.durand@example.org", "email_verified": True,
        "locale": "fr-FR", "active": True,
    },
    "wei": {
        "preferred_username": "wei.zhang", "given_name": "Wei", "family_name": "Zhang", "name": "Zhang Wei",
        "email": "wei.zhang@example.org", "email_verified": True, "locale": "zh-CN", "active": True,
    },
    "omar": {
        "preferred_username": "omar", "given_name": "Omar", "family_name": "Haddad", "name": "Omar Haddad",
        "email": "omar.haddad@example.org", "email_verified": True, "locale": "en-US", "active": True,
    },
}


def provider_missing_reason():
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs)"
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        return "node_modules/oidc-provider is missing: run `npm ci --no-audit --no-fund` (.ci/run does)"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Provider:
    def __init__(self, process, issuer, accounts_file, log=None):
        self.process = process
        self.log = log
        self.issuer = issuer
        self.accounts_file = accounts_file
        self.reset()

    def reset(self):
        self.accounts_file.write_text(json.dumps(ACCOUNTS))

    def log_text(self):
        """What the provider printed so far (its server_error and backchannel.error lines)."""
        return self.log.read_text() if self.log else ""

    def set_claims(self, account, **claims):
        accounts = json.loads(self.accounts_file.read_text())
        accounts[account] = {**accounts.get(account, {}), **claims}
        self.accounts_file.write_text(json.dumps(accounts))


@pytest.fixture(scope="session")
def provider(live_server, tmp_path_factory):
    reason = provider_missing_reason()
    if reason:
        pytest.skip(reason)
    import requests

    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    accounts_file = tmp_path_factory.mktemp("oidc") / "accounts.json"
    accounts_file.write_text(json.dumps(ACCOUNTS))
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{live_server.url}/accounts/oidc/callback/"],
        "post_logout_redirect_uris": [f"{live_server.url}/accounts/login/"],
        "backchannel_logout_uri": f"{live_server.url}/accounts/oidc/backchannel-logout/",
    }
    env = {
        **os.environ, "OIDC_TEST_PORT": str(port), "OIDC_TEST_CLIENT": json.dumps(client),
        "OIDC_TEST_ACCOUNTS": str(accounts_file),
    }
    log = tmp_path_factory.mktemp("oidc-log") / "provider.log"
    with log.open("w") as out:
        process = subprocess.Popen(["node", str(SCRIPT)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    discovery = f"{issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + 20
    while True:
        try:
            if requests.get(discovery, timeout=1).ok:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the test identity provider did not start:\n{log.read_text()}")
        time.sleep(0.2)
    yield Provider(process, issuer, accounts_file, log)
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def oidc(provider, settings):
    """The site configured for the test provider, as the OIDC_* environment variables would."""
    import requests

    meta = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.OIDC_OP_ISSUER = meta["issuer"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = meta["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = meta["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = meta["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = meta["jwks_uri"]
    settings.OIDC_OP_LOGOUT_ENDPOINT = meta["end_session_endpoint"]
    settings.OIDC_DEPROVISION_TOKEN = DEPROVISION_TOKEN
    provider.reset()
    provider.meta = meta
    yield provider
    provider.reset()


# --- driving the provider's own pages without a browser (the integration tests) -------------------

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)


def form_of(html, base_url):
    """(action, fields) of the page's first form with an action, its hidden and named inputs."""
    for form in FORM.findall(html):
        action = re.search(r'action="([^"]*)"', form)
        if not action:
            continue
        fields = {
            unescape(m.group(1)): unescape(m.group(2))
            for m in re.finditer(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form)
        }
        return urljoin(base_url, unescape(action.group(1))), fields
    raise AssertionError(f"no form on {base_url}:\n{html[:2000]}")


def sign_in_with_provider(site_url, login, next_url="/", session=None):
    """Sign in at the site through the provider as ``login`` (the provider's login page, then its
    consent page when it asks); the requests session and the last response (back on the site)."""
    import requests

    session = session or requests.Session()
    response = session.get(f"{site_url}/accounts/oidc/authenticate/?next={next_url}", timeout=10)
    for _ in range(3):
        if response.url.startswith(site_url):
            return session, response
        action, fields = form_of(response.text, response.url)
        if fields.get("prompt") == "login":
            fields.update(login=login, password="any")
        response = session.post(action, data=fields, timeout=10)
    raise AssertionError(f"did not come back to the site: {response.url}\n{response.text[:2000]}")


def end_session_at_provider(provider, session):
    """RP-initiated logout at the provider, confirmed on its page: it then sends its back-channel
    logout tokens to the clients of that session."""
    response = session.get(f"{provider.meta['end_session_endpoint']}?client_id={CLIENT_ID}", timeout=10)
    action, fields = form_of(response.text, response.url)
    fields["logout"] = "yes"
    return session.post(action, data=fields, timeout=10)
