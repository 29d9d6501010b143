"""Stock OAuth client libraries against a running Tessera: Authlib (sync, async, resource server)
and requests-oauthlib, through every grant, introspection, revocation and the authorization-code
flow with PKCE. Each library finds the endpoints in the server's metadata, as a deployment
configured by discovery does. Run by .ci/stock-clients; exits non-zero when any check fails.

Usage: check.py BASE_URL ADMIN_CLIENT_ID ADMIN_CLIENT_SECRET
"""

import asyncio
import secrets
import sys
import traceback
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError
from authlib.oauth2 import ResourceProtector
from authlib.oauth2.rfc6749.requests import OAuth2Request
from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7662 import IntrospectTokenValidator
from oauthlib.oauth2 import BackendApplicationClient, LegacyApplicationClient
from requests_oauthlib import OAuth2Session as RequestsOAuth2Session

TENANT = "stock-" + secrets.token_hex(4)
PASSWORD = "looking-glass"
# Registered without a port: a native app listens on whatever loopback port it gets (RFC 8252).
REDIRECT = "http://127.0.0.1/callback"


class World:
    """The server's metadata and the tenant, users and clients the checks use."""

    def __init__(self, base, admin_id, admin_secret):
        self.meta = requests.get(base + "/.well-known/oauth-authorization-server", timeout=10).json()
        self.base = base
        admin = OAuth2Session(admin_id, admin_secret)
        admin.fetch_token(self.meta["token_endpoint"], grant_type="client_credentials")
        self.admin = admin

        def post(path, body):
            r = admin.post(base + "/admin" + path, json=body, timeout=10)
            assert r.status_code == 201, f"POST /admin{path}: {r.status_code} {r.text}"
            return r.json()

        post("/tenants", {"id": TENANT, "name": "Stock clients"})
        post(f"/tenants/{TENANT}/users", {"username": "alice", "password": PASSWORD, "authorities": ["ROLE_USER"]})
        self.secrets = {}
        for client in [
            {"client_id": "svc", "grant_types": ["client_credentials", "password", "refresh_token"]},
            {"client_id": "web", "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": [REDIRECT]},
            {"client_id": "api", "grant_types": ["client_credentials"]},
        ]:
            body = {"name": client["client_id"], "scopes": ["read", "write"], **client}
            self.secrets[client["client_id"]] = post(f"/tenants/{TENANT}/clients", body)["client_secret"]
        post(
            f"/tenants/{TENANT}/clients",
            {"client_id": "spa", "name": "spa", "public": True, "scopes": ["read"],
             "grant_types": ["authorization_code", "refresh_token"], "redirect_uris": [REDIRECT]},
        )

    def close(self):
        self.admin.delete(f"{self.base}/admin/tenants/{TENANT}", timeout=10)

    def session(self, client_id, **kwargs):
        secret = self.secrets.get(client_id)
        return OAuth2Session(client_id, secret, **kwargs)

    def log_in(self, authorize_url, redirect_uri):
        """Goes through the login and consent pages as alice; returns the URL the server sent the
        browser back to (the client's redirect URI with the answer in its query)."""
        browser = requests.Session()
        url, method, form = authorize_url, "GET", None
        for _ in range(10):
            r = browser.request(method, url, data=form, allow_redirects=False, timeout=10)
            if r.status_code in (301, 302, 303, 307):
                url, method, form = urljoin(url, r.headers["Location"]), "GET", None
                if url.startswith(redirect_uri.split("/callback")[0]):
                    return url
                continue
            assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:300]}"
            page = r.text
            fields = {name: hidden(page, name) for name in ("request", "csrf")}
            if 'action="/oauth/authorize/login"' in page:
                url, form = urljoin(url, "/oauth/authorize/login"), {**fields, "username": "alice", "password": PASSWORD}
            elif 'action="/oauth/authorize/consent"' in page:
                url, form = urljoin(url, "/oauth/authorize/consent"), {**fields, "decision": "allow"}
            else:
                raise AssertionError(f"unexpected page at {url}: {page[:300]}")
            method = "POST"
        raise AssertionError("the pages never sent the browser back")


def hidden(page, name):
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def expect_oauth_error(code, call):
    try:
        call()
    except OAuthError as e:
        assert e.error == code, f"expected {code}, got {e.error}: {e.description}"
        return
    raise AssertionError(f"expected the OAuth error {code}, got success")


# ------------------------------------------------------------------------------------------------
# Authlib, sync (requests)


def authlib_client_credentials(w):
    for method in ("client_secret_basic", "client_secret_post"):
        s = w.session("svc", token_endpoint_auth_method=method, scope="read")
        token = s.fetch_token(w.meta["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"].lower() == "bearer" and token["scope"] == "read", token
        assert token["expires_in"] > 0 and "refresh_token" not in token, token


def authlib_password_refresh_introspect_revoke(w):
    s = w.session("svc", scope="read write")
    first = s.fetch_token(w.meta["token_endpoint"], username="alice", password=PASSWORD)
    assert first["refresh_token"], first
    second = s.refresh_token(w.meta["token_endpoint"], refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"], "refresh answered the same token"
    info = s.introspect_token(w.meta["introspection_endpoint"], token=second["access_token"]).json()
    assert info["active"] and info["client_id"] == "svc" and info["username"] == "alice", info
    assert set(info["scope"].split()) == {"read", "write"}, info
    assert s.revoke_token(w.meta["revocation_endpoint"], token=second["access_token"]).status_code == 200
    info = s.introspect_token(w.meta["introspection_endpoint"], token=second["access_token"]).json()
    assert info == {"active": False}, info
    # The rotated-away refresh token is spent: using it again is refused.
    expect_oauth_error("invalid_grant", lambda: s.refresh_token(w.meta["token_endpoint"], refresh_token=first["refresh_token"]))


def authlib_errors(w):
    wrong = OAuth2Session("svc", "not-the-secret")
    expect_oauth_error("invalid_client", lambda: wrong.fetch_token(w.meta["token_endpoint"], grant_type="client_credentials"))
    api = w.session("api")
    expect_oauth_error("unauthorized_client", lambda: api.fetch_token(w.meta["token_endpoint"], username="alice", password=PASSWORD))
    wide = w.session("svc", scope="admin")
    expect_oauth_error("invalid_scope", lambda: wide.fetch_token(w.meta["token_endpoint"], grant_type="client_credentials"))
    bad = w.session("svc")
    expect_oauth_error("invalid_grant", lambda: bad.fetch_token(w.meta["token_endpoint"], username="alice", password="wrong"))


def authorization_code(w, client_id, **session_args):
    """Authorization code with PKCE S256 from a random loopback port; returns the token."""
    redirect_uri = f"http://127.0.0.1:{secrets.randbelow(20000) + 40000}/callback"
    verifier = generate_token(48)
    s = w.session(client_id, redirect_uri=redirect_uri, scope="read", code_challenge_method="S256", **session_args)
    url, state = s.create_authorization_url(w.meta["authorization_endpoint"], code_verifier=verifier)
    back = w.log_in(url, redirect_uri)
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(redirect_uri + "?"), back
    assert query["state"] == [state], query
    assert query["iss"] == [w.meta["issuer"]], f"RFC 9207 iss: {query}"
    return s, s.fetch_token(w.meta["token_endpoint"], authorization_response=back, code_verifier=verifier)


def authlib_authorization_code_confidential(w):
    s, token = authorization_code(w, "web")
    assert token["scope"] == "read" and token["refresh_token"], token
    refreshed = s.refresh_token(w.meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]


def authlib_authorization_code_public(w):
    s, token = authorization_code(w, "spa", token_endpoint_auth_method="none")
    refreshed = s.refresh_token(w.meta["token_endpoint"], refresh_token=token["refresh_token"])
    # A public client revokes with its client_id alone (metadata says `none`).
    assert "none" in w.meta["revocation_endpoint_auth_methods_supported"], w.meta
    r = s.revoke_token(w.meta["revocation_endpoint"], token=refreshed["refresh_token"])
    assert r.status_code == 200, (r.status_code, r.text)
    expect_oauth_error("invalid_grant", lambda: s.refresh_token(w.meta["token_endpoint"], refresh_token=refreshed["refresh_token"]))


def authlib_authorization_error_carries_iss(w):
    redirect_uri = f"http://127.0.0.1:{secrets.randbelow(20000) + 40000}/callback"
    s = w.session("web", redirect_uri=redirect_uri, scope="admin")
    url, state = s.create_authorization_url(w.meta["authorization_endpoint"], code_verifier=generate_token(48))
    back = w.log_in(url, redirect_uri)
    query = parse_qs(urlsplit(back).query)
    assert query["error"] == ["invalid_scope"] and query["state"] == [state], query
    assert query["iss"] == [w.meta["issuer"]], f"RFC 9207 iss on an error: {query}"


# ------------------------------------------------------------------------------------------------
# Authlib, async (httpx)


async def authlib_async_grants(w):
    async with AsyncOAuth2Client("svc", w.secrets["svc"], scope="read") as c:
        token = await c.fetch_token(w.meta["token_endpoint"], grant_type="client_credentials")
        assert token["scope"] == "read"
        user = await c.fetch_token(w.meta["token_endpoint"], username="alice", password=PASSWORD)
        again = await c.refresh_token(w.meta["token_endpoint"], refresh_token=user["refresh_token"])
        info = (await c.introspect_token(w.meta["introspection_endpoint"], token=again["access_token"])).json()
        assert info["active"] and info["username"] == "alice", info
        assert (await c.revoke_token(w.meta["revocation_endpoint"], token=again["refresh_token"])).status_code == 200
        try:
            await c.refresh_token(w.meta["token_endpoint"], refresh_token=again["refresh_token"])
        except OAuthError as e:
            assert e.error == "invalid_grant", e.error
        else:
            raise AssertionError("a revoked refresh token was accepted")


# ------------------------------------------------------------------------------------------------
# Authlib as a resource server: a bearer is checked through the server's introspection endpoint,
# with the resource server's own client credentials.


def authlib_resource_server(w):
    class Introspect(IntrospectTokenValidator):
        def introspect_token(self, token_string):
            r = requests.post(
                w.meta["introspection_endpoint"], data={"token": token_string},
                auth=("api", w.secrets["api"]), timeout=10,
            )
            r.raise_for_status()
            return r.json()

    protector = ResourceProtector()
    protector.register_token_validator(Introspect())

    def call(bearer, scopes):
        request = OAuth2Request("GET", "https://api.example/orders", headers={"Authorization": f"Bearer {bearer}"})
        return protector.validate_request(scopes, request)

    def refused(error, bearer, scopes):
        try:
            call(bearer, scopes)
        except error:
            return
        raise AssertionError(f"the resource server let {bearer[:8]}... in for {scopes}")

    s = w.session("svc", scope="read")
    token = s.fetch_token(w.meta["token_endpoint"], username="alice", password=PASSWORD)
    assert call(token["access_token"], ["read"])["username"] == "alice"
    refused(InsufficientScopeError, token["access_token"], ["write"])
    # A refresh token is not an access token for anyone but its own client.
    refused(InvalidTokenError, token["refresh_token"], ["read"])
    refused(InvalidTokenError, "not-a-token", ["read"])
    s.revoke_token(w.meta["revocation_endpoint"], token=token["access_token"])
    refused(InvalidTokenError, token["access_token"], ["read"])


# ------------------------------------------------------------------------------------------------
# requests-oauthlib


def requests_oauthlib_grants(w):
    secret = w.secrets["svc"]
    cc = RequestsOAuth2Session(client=BackendApplicationClient(client_id="svc"), scope=["read"])
    # requests-oauthlib sends the session's scope only when it is passed again to fetch_token.
    token = cc.fetch_token(w.meta["token_endpoint"], client_id="svc", client_secret=secret, scope=["read"])
    assert token["scope"] == ["read"], token
    legacy = RequestsOAuth2Session(client=LegacyApplicationClient(client_id="svc"), scope=["read", "write"])
    user = legacy.fetch_token(
        w.meta["token_endpoint"], username="alice", password=PASSWORD, client_id="svc", client_secret=secret, scope=["read", "write"]
    )
    again = legacy.refresh_token(w.meta["token_endpoint"], refresh_token=user["refresh_token"], auth=("svc", secret))
    assert again["access_token"] != user["access_token"]
    info = requests.post(w.meta["introspection_endpoint"], data={"token": again["access_token"]}, auth=("svc", secret), timeout=10)
    assert info.json()["active"], info.text


def requests_oauthlib_authorization_code(w):
    redirect_uri = f"http://127.0.0.1:{secrets.randbelow(20000) + 40000}/callback"
    s = RequestsOAuth2Session("web", redirect_uri=redirect_uri, scope=["read"], pkce="S256")
    url, state = s.authorization_url(w.meta["authorization_endpoint"])
    back = w.log_in(url, redirect_uri)
    token = s.fetch_token(w.meta["token_endpoint"], authorization_response=back, client_secret=w.secrets["web"])
    assert token["refresh_token"] and token["scope"] == ["read"], token


CHECKS = [
    authlib_client_credentials,
    authlib_password_refresh_introspect_revoke,
    authlib_errors,
    authlib_authorization_code_confidential,
    authlib_authorization_code_public,
    authlib_authorization_error_carries_iss,
    lambda w: asyncio.run(authlib_async_grants(w)),
    authlib_resource_server,
    requests_oauthlib_grants,
    requests_oauthlib_authorization_code,
]
NAMES = [c.__name__ if c.__name__ != "<lambda>" else "authlib_async_grants" for c in CHECKS]


def main():
    base, admin_id, admin_secret = sys.argv[1:4]
    w = World(base.rstrip("/"), admin_id, admin_secret)
    failed = []
    try:
        for name, check in zip(NAMES, CHECKS):
            try:
                check(w)
                print(f"ok    {name}")
            except Exception:  # every check runs; each failure is printed in full
                failed.append(name)
                print(f"FAIL  {name}")
                traceback.print_exc()
    finally:
        w.close()
    print(f"{len(CHECKS) - len(failed)} of {len(CHECKS)} stock-client checks passed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
