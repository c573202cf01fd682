"""The platforms the product can connect, by name. Adding a platform is one line here."""

from __future__ import annotations

from django.utils.module_loading import import_string

from analyticaflow.connectors.base import Connector, Endpoints
from analyticaflow.connectors.credentials import AppCredentials
from analyticaflow.connectors.http import HttpOptions
from analyticaflow.errors import InvalidInput

CONNECTORS: dict[str, str] = {
    "meta_ads": "analyticaflow.connectors.meta_ads.platform.MetaAdsConnector",
    "instagram": "analyticaflow.connectors.instagram.platform.InstagramConnector",
    "google_ads": "analyticaflow.connectors.google_ads.platform.GoogleAdsConnector",
    "twitter_ads": "analyticaflow.connectors.twitter_ads.platform.TwitterAdsConnector",
    "yahoo_ads": "analyticaflow.connectors.yahoo_ads.platform.YahooAdsConnector",
}


def platform_names() -> tuple[str, ...]:
    return tuple(CONNECTORS)


def connector_class(name: str) -> type[Connector]:
    try:
        path = CONNECTORS[name]
    except KeyError:
        known = ", ".join(CONNECTORS)
        raise InvalidInput(f"Unknown platform {name!r}.",
                           fields={"type": [f"{name!r} is not one of: {known}."]}) from None
    return import_string(path)


def get_connector(name: str, *, options: HttpOptions | None = None, endpoints: Endpoints | None = None,
                  app: AppCredentials | None = None) -> Connector:
    """The platform's connector, configured from settings unless endpoints/app credentials are given."""
    return connector_class(name)(endpoints=endpoints, app=app, options=options)
