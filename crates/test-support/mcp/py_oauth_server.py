"""An OAuth-protected MCP server on the official Python SDK (2.x), for
codex's `mcp login` tests.

One process is both the authorization server (the SDK's own routes:
metadata, dynamic client registration, authorize, token, revoke) and the
resource server (streamable HTTP at `/mcp`, refusing requests without a
valid bearer token). The person who would approve the sign-in in a
browser is played by the provider itself: `/authorize` redirects straight
back to the client's redirect URI with a code, so a test only has to
follow the authorize URL codex prints.

`--port P` (required), `--token-ttl S` access-token lifetime in seconds
(default 3600; a short one exercises refresh). Every grant the token
endpoint hands out is logged to stderr as `issued <grant> <token>`, so a
test can count logins and refreshes.
"""
import argparse
import secrets
import sys
import time

from pydantic import AnyHttpUrl

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    RefreshToken,
    construct_redirect_uri,
)
from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--token-ttl", type=int, default=3600)
args = parser.parse_args()

BASE = f"http://127.0.0.1:{args.port}"


def log(*words):
    print(*words, file=sys.stderr, flush=True)


class AutoApprovingProvider:
    """An in-memory authorization server that approves every sign-in."""

    def __init__(self):
        self.clients = {}
        self.codes = {}
        self.access = {}
        self.refresh = {}

    async def get_client(self, client_id):
        return self.clients.get(client_id)

    async def register_client(self, client_info: OAuthClientInformationFull):
        self.clients[client_info.client_id] = client_info
        log("registered", client_info.client_id)

    async def authorize(self, client, params: AuthorizationParams):
        code = secrets.token_urlsafe(16)
        self.codes[code] = AuthorizationCode(
            code=code,
            scopes=params.scopes or ["mcp"],
            expires_at=time.time() + 300,
            client_id=client.client_id,
            code_challenge=params.code_challenge,
            redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            resource=params.resource,
        )
        return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

    async def load_authorization_code(self, client, authorization_code):
        return self.codes.get(authorization_code)

    def _issue(self, client_id, scopes, resource, grant):
        access = secrets.token_urlsafe(24)
        refresh = secrets.token_urlsafe(24)
        expires_at = int(time.time()) + args.token_ttl
        self.access[access] = AccessToken(
            token=access, client_id=client_id, scopes=scopes, expires_at=expires_at, resource=resource
        )
        self.refresh[refresh] = RefreshToken(
            token=refresh, client_id=client_id, scopes=scopes, resource=resource
        )
        log("issued", grant, access)
        return OAuthToken(
            access_token=access,
            token_type="Bearer",
            expires_in=args.token_ttl,
            refresh_token=refresh,
            scope=" ".join(scopes),
        )

    async def exchange_authorization_code(self, client, authorization_code):
        self.codes.pop(authorization_code.code, None)
        return self._issue(
            client.client_id,
            authorization_code.scopes,
            authorization_code.resource,
            "authorization_code",
        )

    async def load_refresh_token(self, client, refresh_token):
        token = self.refresh.get(refresh_token)
        return token if token and token.client_id == client.client_id else None

    async def exchange_refresh_token(self, client, refresh_token, scopes):
        self.refresh.pop(refresh_token.token, None)
        return self._issue(
            client.client_id, scopes or refresh_token.scopes, refresh_token.resource, "refresh_token"
        )

    async def load_access_token(self, token):
        found = self.access.get(token)
        if found is None or (found.expires_at is not None and found.expires_at < time.time()):
            return None
        return found

    async def revoke_token(self, token):
        self.access.pop(token.token, None)
        self.refresh.pop(token.token, None)
        log("revoked")


app = MCPServer(
    "py-oauth-test",
    auth_server_provider=AutoApprovingProvider(),
    auth=AuthSettings(
        issuer_url=AnyHttpUrl(BASE),
        resource_server_url=AnyHttpUrl(f"{BASE}/mcp"),
        validate_token_resource=False,
        client_registration_options=ClientRegistrationOptions(
            enabled=True, valid_scopes=["mcp"], default_scopes=["mcp"]
        ),
        revocation_options=RevocationOptions(enabled=True),
        required_scopes=["mcp"],
    ),
)


@app.tool()
def whoami() -> str:
    """Says which signed-in client called."""
    from mcp.server.auth.middleware.auth_context import get_access_token

    token = get_access_token()
    return f"signed in as {token.client_id}" if token else "anonymous"


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app.streamable_http_app(), host="127.0.0.1", port=args.port, log_level="warning")
