"""Where a visit came from: channel, source, medium and click ids of a page view. Pure functions.

Channel (exact definition shared with the reports): ``context.campaign.source`` when present (trimmed,
lower-cased); else the click id in the page URL (gclid → google, fbclid → facebook, yclid → yahoo,
twclid → twitter); else the referrer's search engine or social network; else ``direct``. A referrer that is
neither a search engine nor a social network (another site, or the shop itself) gives ``direct``; its
domain stays available in ``referrer_domain`` for channel groupings.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

CLICK_IDS = {"gclid": "google", "fbclid": "facebook", "yclid": "yahoo", "twclid": "twitter"}

# Registrable-name label → channel. Matched on the host's labels, so www., m., l. and country TLDs
# (google.co.uk, yandex.ru, yahoo.co.jp) all count.
SEARCH_ENGINES = {
    "google": "google",
    "bing": "bing",
    "yahoo": "yahoo",
    "duckduckgo": "duckduckgo",
    "yandex": "yandex",
    "baidu": "baidu",
    "ecosia": "ecosia",
    "naver": "naver",
    "seznam": "seznam",
}
SOCIAL_NETWORKS = {
    "facebook": "facebook",
    "fb": "facebook",
    "instagram": "instagram",
    "twitter": "twitter",
    "x": "twitter",
    "t": "twitter",  # t.co, X's link shortener
    "linkedin": "linkedin",
    "lnkd": "linkedin",
    "pinterest": "pinterest",
    "reddit": "reddit",
    "youtube": "youtube",
    "tiktok": "tiktok",
    "vk": "vk",
    "threads": "threads",
}
# Hosts whose label alone is too ambiguous: only these exact registrable names count.
EXACT_HOSTS = {"t": {"t.co"}, "x": {"x.com"}, "fb": {"fb.com", "fb.me"}, "vk": {"vk.com"}}

CAMPAIGN_PARAMS = {
    "utm_source": "source",
    "utm_medium": "medium",
    "utm_campaign": "name",
    "utm_term": "term",
    "utm_content": "content",
}


@dataclass(frozen=True, slots=True)
class Origin:
    channel: str
    source: str | None
    medium: str | None
    campaign: str | None
    term: str | None
    content: str | None
    gclid: str | None
    fbclid: str | None
    yclid: str | None
    twclid: str | None
    referrer_domain: str | None


def query_params(url: str | None) -> dict[str, str]:
    if not url or "?" not in url:
        return {}
    query = url.split("?", 1)[1].split("#", 1)[0]
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=False):
        params.setdefault(name, value)
    return params


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


def _network(host: str, table: dict[str, str]) -> str | None:
    labels = host.split(".")
    for index, label in enumerate(labels[:-1]):
        channel = table.get(label)
        if channel is None:
            continue
        exact = EXACT_HOSTS.get(label)
        if exact is not None and ".".join(labels[index:]) not in exact:
            continue
        return channel
    return None


def referrer_channel(host: str | None) -> tuple[str, str] | None:
    """(channel, medium) of a referrer host that is a search engine or social network."""
    if not host:
        return None
    search = _network(host, SEARCH_ENGINES)
    if search:
        return search, "organic"
    social = _network(host, SOCIAL_NETWORKS)
    if social:
        return social, "social"
    return None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    text = text.strip(" ")
    return text or None


def origin_of(*, campaign: dict, url: str | None, referrer: str | None) -> Origin:
    """The origin of an event from its ``context.campaign``, page URL and referrer.

    UTM parameters in the URL stand in for ``context.campaign`` when a library did not parse them.
    """
    params = query_params(url)
    fields = {key: _text(campaign.get(key)) for key in ("source", "medium", "name", "term", "content")}
    if not any(fields.values()):
        fields = {field: _text(params.get(param)) for param, field in CAMPAIGN_PARAMS.items()}
    clicks = {name: _text(params.get(name)) for name in CLICK_IDS}
    referrer_domain = host_of(referrer)
    source, medium = fields["source"], fields["medium"]
    if source:
        channel = source.lower()
    else:
        click = next((CLICK_IDS[name] for name, value in clicks.items() if value), None)
        found = referrer_channel(referrer_domain)
        if click:
            channel, source, medium = click, click, medium or "cpc"
        elif found:
            channel, source, medium = found[0], found[0], medium or found[1]
        else:
            channel = "direct"
    return Origin(
        channel=channel,
        source=source,
        medium=medium,
        campaign=fields["name"],
        term=fields["term"],
        content=fields["content"],
        gclid=clicks["gclid"],
        fbclid=clicks["fbclid"],
        yclid=clicks["yclid"],
        twclid=clicks["twclid"],
        referrer_domain=referrer_domain,
    )
