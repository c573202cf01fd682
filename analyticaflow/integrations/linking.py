"""OAuth linking: start an authorization for an integration, and turn the provider's callback into a grant.

``link_start`` asks the connector for the provider's authorize URL (OAuth 2.0 with PKCE where the platform
supports it; OAuth 1.0a request token for X Ads), and stores a ``LinkRequest`` bound to the user and their
browser session, holding only the state's hash and the encrypted PKCE verifier / request-token secret.
``link_callback`` checks the callback answers that request (same user, same session, not expired, not used),
exchanges the code, lists the accounts the grant reaches and keeps the grant encrypted until accounts are picked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta

from django.utils import timezone

from analyticaflow.connectors.base import Account
from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.errors import ConnectorError
from analyticaflow.connectors.oauth import AuthorizationRequest
from analyticaflow.connectors.secret import Secret, reveal
from analyticaflow.errors import AppError, Forbidden, InvalidInput
from analyticaflow.integrations import vault
from analyticaflow.integrations.models import Integration, LinkRequest, LinkStatus
from analyticaflow.integrations.platforms import connector_for

LINK_LIFETIME = timedelta(minutes=30)
CALLBACK_PATH = "/integrations/callback"


class PlatformNotConfigured(AppError):
    code = "platform_not_configured"
    status_code = 409
    default_message = "This server has no app registered for the platform."


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def link_start(
    *, integration: Integration, user, session_key: str | None, redirect_uri: str
) -> tuple[LinkRequest, str]:
    """A pending authorization for ``integration``; returns it and the provider URL to send the user to."""
    connector = connector_for(integration.platform)
    if not connector.app.configured:
        prefix = f"ANALYTICAFLOW_{connector.settings_prefix}"
        raise PlatformNotConfigured(
            f"{connector.label} is not configured on this server: set {prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET.",
            fields={"type": [f"{connector.label} has no registered app on this server."]},
        )
    request = connector.authorization_request(redirect_uri=redirect_uri)
    link = LinkRequest.objects.create(
        integration=integration,
        user=user,
        state_hash=digest(request.state),
        session_hash=digest(session_key) if session_key else "",
        redirect_uri=redirect_uri,
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    pending = {
        "code_verifier": reveal(request.code_verifier),
        "request_token_secret": reveal(request.request_token_secret),
    }
    link.ciphertext = vault.seal_secret(Secret(json.dumps(pending)), context=vault.link_context(link.id))
    link.save(update_fields=["ciphertext"])
    return link, request.url


def _callback_state(params: Mapping[str, str]) -> str:
    state = params.get("state") or params.get("oauth_token")
    if not state:
        raise InvalidInput(
            "The callback carries no state: open the link from AnalyticaFlow again.", fields={"state": ["Missing."]}
        )
    return state


def link_for_callback(*, params: Mapping[str, str], user, session_key: str | None) -> LinkRequest:
    """The pending link the callback answers, after checking it belongs to this user and browser session."""
    link = (
        LinkRequest.objects.select_related("integration", "integration__project")
        .filter(state_hash=digest(_callback_state(params)))
        .first()
    )
    if link is None or link.status != LinkStatus.STARTED:
        raise InvalidInput(
            "This authorization is unknown or was already used; start the connection again.",
            fields={"state": ["Unknown or already used."]},
        )
    if link.user_id != user.id:
        raise Forbidden("This authorization was started by another user.")
    if link.session_hash and digest(session_key or "") != link.session_hash:
        raise Forbidden("This authorization was started in another browser session; start it again here.")
    if link.expires_at <= timezone.now():
        link_fail(link, "The authorization took too long and expired; start the connection again.")
        raise InvalidInput("The authorization expired; start the connection again.", fields={"state": ["Expired."]})
    return link


def link_fail(link: LinkRequest, message: str) -> None:
    link.status, link.error_message, link.ciphertext = LinkStatus.FAILED, message, ""
    link.save(update_fields=["status", "error_message", "ciphertext"])


def link_callback(*, params: Mapping[str, str], user, session_key: str | None) -> LinkRequest:
    """Exchange the callback's code (or verifier) for a grant and list its accounts; the link becomes AUTHORIZED."""
    link = link_for_callback(params=params, user=user, session_key=session_key)
    integration = link.integration
    pending = json.loads(vault.open_secret(link.ciphertext, context=vault.link_context(link.id)).reveal())
    request = AuthorizationRequest(
        url="",
        state=_callback_state(params),
        code_verifier=Secret(pending["code_verifier"]) if pending.get("code_verifier") else None,
        request_token_secret=Secret(pending["request_token_secret"]) if pending.get("request_token_secret") else None,
    )
    connector = connector_for(integration.platform)
    try:
        credentials = connector.complete_authorization(callback=params, pending=request, redirect_uri=link.redirect_uri)
        with connector.open(credentials=credentials, settings=integration.settings) as session:
            accounts = session.list_accounts()
    except (ConnectorError, InvalidInput) as exc:
        link_fail(link, str(exc.message))
        raise
    link.ciphertext = vault.seal_secret(Secret(credentials.to_json().decode()), context=vault.link_context(link.id))
    link.accounts = [account.to_dict() for account in accounts]
    link.status = LinkStatus.AUTHORIZED
    link.save(update_fields=["ciphertext", "accounts", "status"])
    return link


def link_credentials(link: LinkRequest) -> Credentials:
    """The grant an authorized link holds."""
    text = vault.open_secret(link.ciphertext, context=vault.link_context(link.id)).reveal()
    return Credentials.from_json(text.encode())


def link_accounts(link: LinkRequest) -> list[Account]:
    return [Account.from_dict(raw) for raw in link.accounts]


def link_complete(link: LinkRequest) -> None:
    link.status, link.ciphertext = LinkStatus.COMPLETED, ""
    link.save(update_fields=["status", "ciphertext"])
