"""A year of the demo shop's visitors as Segment messages, day by day, from one seeded random generator.

Every paid click that lands becomes a visit tagged the way the platform tags it (UTM parameters in the URL and
``context.campaign``, plus the click id); unpaid visits come from search engines, social networks, a blog,
e-mail and direct. Visitors come back (on the same browser, or on a new device and log in), sign up, order,
and customers order again. What each campaign's visits booked is kept per day, so the spend the platforms
report (``spend.py``) agrees with the visits.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from analyticaflow.channeldata.platforms import clean_campaign_name
from analyticaflow.demo.shop import (
    CHANNELS,
    HOURS,
    PAGES,
    PRODUCTS,
    SHOP_HOST,
    Campaign,
    Channel,
    black_friday,
    campaign_budget,
    campaigns,
    season,
)

LANDED = 0.86  # share of paid clicks that load the landing page (the rest bounce before tracking runs)
RETURNING_PAID = 0.18  # share of paid visits by people who came before
NEW_DEVICE = 0.12  # a returning customer on a device the shop has not seen
NEWSLETTER_SIGNUP = 0.012  # visitors who sign up without ordering
CUSTOMER_BOOST = 1.7  # customers order more readily than first-time visitors
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537",
)
HOUR_CUMULATIVE = tuple(itertools.accumulate(HOURS))
FIRST_NAMES = ("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Kai", "Lena",
               "Mia", "Noah", "Olivia", "Paul", "Rosa", "Sami", "Tara", "Yuki")


SEARCH_HOSTS = {"www.google.com": "google", "www.bing.com": "bing"}
GA4_CONSENT = 0.9  # share of visits GA4 sees (the rest declined analytics cookies)


def ga4_origin(query: dict[str, str], referrer: str | None) -> tuple[str, str, str]:
    """(source, medium, campaign) as GA4 reports the visit."""
    if "utm_source" in query:
        return query["utm_source"], query.get("utm_medium", "(not set)"), query.get("utm_campaign", "(not set)")
    if not referrer:
        return "(direct)", "(none)", "(direct)"
    host = urlsplit(referrer).hostname or ""
    if host in SEARCH_HOSTS:
        return SEARCH_HOSTS[host], "organic", "(organic)"
    return host, "referral", "(referral)"


@dataclass(slots=True)
class Ga4Row:
    """One GA4 daily row (source / medium / campaign) as the property reports it."""

    sessions: int = 0
    users: set[str] = field(default_factory=set)
    new_users: int = 0
    conversions: int = 0
    revenue: float = 0.0


@dataclass(slots=True)
class Visitor:
    anonymous_id: str
    user_id: str | None = None
    orders: int = 0
    seen: bool = False


@dataclass(slots=True)
class CampaignDay:
    """What one campaign's clicks did on one day."""

    clicks: int = 0
    visits: int = 0
    orders: int = 0
    revenue: float = 0.0


@dataclass(slots=True)
class Totals:
    messages: int = 0
    visits: int = 0
    signups: int = 0
    orders: int = 0
    revenue: float = 0.0
    repeat_orders: int = 0


@dataclass(slots=True)
class Simulation:
    """The state of the simulated shop while the days run."""

    rng: random.Random
    zone: ZoneInfo
    scale: float
    currency: str
    visitors: list[Visitor] = field(default_factory=list)
    customers: list[Visitor] = field(default_factory=list)
    users: list[Visitor] = field(default_factory=list)
    next_user: int = 1
    next_order: int = 100001
    totals: Totals = field(default_factory=Totals)
    campaign_days: dict[tuple[str, date], CampaignDay] = field(default_factory=dict)
    ga4_days: dict[tuple[date, str, str, str], Ga4Row] = field(default_factory=dict)

    # --- small helpers ---------------------------------------------------------------------------------
    def new_id(self) -> str:
        text = f"{self.rng.getrandbits(128):032x}"
        return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"  # a version-4 UUID's shape

    def poisson(self, mean: float) -> int:
        if mean <= 0:
            return 0
        if mean > 40:  # normal approximation: fast and close enough for counts this large
            return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))
        limit, k, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            k += 1
            product *= self.rng.random()
        return k

    def moment(self, day: date) -> datetime:
        """A time of ``day`` (local) by the hourly pattern, as naive UTC."""
        hour = bisect.bisect(HOUR_CUMULATIVE, self.rng.random() * HOUR_CUMULATIVE[-1])
        seconds = int(self.rng.random() * 3600_000) / 1000
        local = datetime(day.year, day.month, day.day, min(hour, 23), tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None) + timedelta(seconds=seconds)

    def returning_visitor(self, *, prefer_customers: bool) -> Visitor | None:
        if prefer_customers and self.customers and self.rng.random() < 0.55:
            return self.rng.choice(self.customers)
        if self.visitors:
            # Recent visitors come back more often than old ones.
            index = len(self.visitors) - 1 - int(abs(self.rng.gauss(0, len(self.visitors) / 3)))
            return self.visitors[max(0, index)]
        return None

    def new_visitor(self) -> Visitor:
        visitor = Visitor(self.new_id())
        self.visitors.append(visitor)
        return visitor


def _stamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the JavaScript SDKs send it (``moment`` is naive UTC)."""
    return moment.isoformat(timespec="milliseconds") + "Z"


class Visit:
    """The messages of one visit, in time order."""

    def __init__(self, sim: Simulation, visitor: Visitor, start: datetime, *, anonymous_id: str, logged_in: bool,
                 user_agent: str) -> None:
        self.sim = sim
        self.visitor = visitor
        self.now = start
        self.anonymous_id = anonymous_id
        self.logged_in = logged_in
        self.context = {"userAgent": user_agent, "locale": "de-DE", "library": {"name": "analytics.js"}}
        self.messages: list[dict] = []

    def _message(self, kind: str, **fields) -> dict:
        message = {"type": kind, "messageId": self.sim.new_id(), "anonymousId": self.anonymous_id,
                   "timestamp": _stamp(self.now), **fields}
        if self.logged_in and self.visitor.user_id:
            message["userId"] = self.visitor.user_id
        self.messages.append(message)
        return message

    def advance(self, low: int, high: int) -> None:
        self.now += timedelta(seconds=self.sim.rng.randint(low, high))

    def page(self, path: str, *, query: dict | None = None, referrer: str | None = None,
             campaign: dict | None = None) -> None:
        url = SHOP_HOST + path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else "")
        title = path.strip("/").replace("/", " · ").replace("-", " ").title() or "Home"
        properties = {"url": url, "path": path, "title": title, "referrer": referrer or f"{SHOP_HOST}/"}
        context = dict(self.context)
        if campaign:
            context["campaign"] = campaign
        self._message("page", name=title, properties=properties, context=context)

    def track(self, event: str, properties: dict) -> None:
        self._message("track", event=event, properties=properties, context=self.context)

    def identify(self, traits: dict) -> None:
        self.logged_in = True
        self._message("identify", traits=traits, context=self.context)


def _browse(visit: Visit, rng: random.Random) -> None:
    for _ in range(min(6, int(rng.expovariate(1 / 1.3)))):
        visit.advance(20, 240)
        if rng.random() < 0.6:
            product = rng.choice(PRODUCTS)
            visit.page(f"/products/{product.sku.lower()}")
        else:
            visit.page(rng.choice(PAGES))


def _sign_up(sim: Simulation, visit: Visit, *, method: str) -> None:
    visitor = visit.visitor
    visitor.user_id = f"cust_{sim.next_user:06d}"
    sim.next_user += 1
    sim.users.append(visitor)
    sim.totals.signups += 1
    visit.advance(30, 120)
    visit.identify({"email": f"{visitor.user_id}@customers.demo-shop.example",
                    "first_name": sim.rng.choice(FIRST_NAMES), "created_at": _stamp(visit.now)})
    visit.track("Signed Up", {"method": method})


def _order(sim: Simulation, visit: Visit, day: date) -> float:
    rng = sim.rng
    items = {}
    for _ in range(1 + (rng.random() < 0.35) + (rng.random() < 0.1)):
        product = rng.choice(PRODUCTS)
        items[product.sku] = (product, items.get(product.sku, (product, 0))[1] + 1)
    discount = 0.2 if abs((day - black_friday(day.year)).days) <= 3 else 0.0
    subtotal = sum(p.price * q for p, q in items.values())
    revenue = round(subtotal * (1 - discount), 2)
    order_id = f"DS-{sim.next_order}"
    sim.next_order += 1
    visit.advance(30, 300)
    visit.page("/cart")
    visit.advance(60, 400)
    properties = {
        "order_id": order_id, "revenue": revenue, "currency": sim.currency, "discount": round(subtotal - revenue, 2),
        "products": [{"product_id": p.sku, "sku": p.sku, "name": p.name, "category": p.category,
                      "price": p.price, "quantity": q} for p, q in items.values()],
    }
    if discount:
        properties["coupon"] = "BLACKFRIDAY20"
    visit.track("Order Completed", properties)
    visit.visitor.orders += 1
    if visit.visitor.orders == 1:
        sim.customers.append(visit.visitor)
    else:
        sim.totals.repeat_orders += 1
    sim.totals.orders += 1
    sim.totals.revenue += revenue
    return revenue


def run_visit(sim: Simulation, day: date, visitor: Visitor, *, conversion: float, landing: str, query: dict,
              referrer: str | None, campaign: dict | None) -> tuple[list[dict], float | None]:
    """One visit's messages and the revenue it booked (None: no order)."""
    rng = sim.rng
    first_visit = not visitor.seen
    visitor.seen = True
    anonymous_id = visitor.anonymous_id
    if visitor.orders and rng.random() < NEW_DEVICE:
        anonymous_id = sim.new_id()  # same person, a browser the shop has not seen: merged at login
    visit = Visit(sim, visitor, sim.moment(day), anonymous_id=anonymous_id,
                  logged_in=anonymous_id == visitor.anonymous_id, user_agent=rng.choice(USER_AGENTS))
    visit.page(landing, query=query, referrer=referrer, campaign=campaign)
    _browse(visit, rng)
    booked = None
    chance = conversion * (CUSTOMER_BOOST if visitor.orders else 1.0)
    if rng.random() < chance:
        if visitor.user_id is None:
            _sign_up(sim, visit, method="checkout")
        elif not visit.logged_in:
            visit.advance(20, 90)
            visit.identify({"email": f"{visitor.user_id}@customers.demo-shop.example"})
        booked = _order(sim, visit, day)
    elif visitor.user_id is None and rng.random() < NEWSLETTER_SIGNUP:
        _sign_up(sim, visit, method="newsletter")
    sim.totals.visits += 1
    if rng.random() < GA4_CONSENT:
        key = (day, *ga4_origin(query, referrer))
        row = sim.ga4_days.get(key)
        if row is None:
            row = sim.ga4_days[key] = Ga4Row()
        row.sessions += 1
        row.users.add(anonymous_id)
        row.new_users += first_visit
        if booked is not None:
            row.conversions += 1
            row.revenue += booked
    return visit.messages, booked


def _paid_visit(sim: Simulation, day: date, campaign: Campaign) -> tuple[list[dict], float | None]:
    rng = sim.rng
    account = campaign.account
    visitor = None
    if rng.random() < RETURNING_PAID:
        visitor = sim.returning_visitor(prefer_customers=False)
    visitor = visitor or sim.new_visitor()
    landing = f"/products/{rng.choice(PRODUCTS).sku.lower()}" if rng.random() < 0.6 else "/collections/sneakers"
    query: dict[str, str] = {}
    context_campaign = None
    if campaign.tagged:
        name = campaign.utm or clean_campaign_name(campaign.name)
        query = {"utm_source": account.utm_source, "utm_medium": account.utm_medium, "utm_campaign": name,
                 "utm_content": f"ad_{rng.randint(1, 4)}"}
        context_campaign = {"source": account.utm_source, "medium": account.utm_medium, "name": name,
                            "content": query["utm_content"]}
    query[account.click_id] = sim.new_id().replace("-", "")[:24]
    return run_visit(sim, day, visitor, conversion=campaign.conversion, landing=landing, query=query,
                     referrer=None, campaign=context_campaign)


def _unpaid_visit(sim: Simulation, day: date, channel: Channel) -> list[dict]:
    rng = sim.rng
    visitor = None
    if channel.returning:
        visitor = (rng.choice(sim.users) if channel.utm and sim.users
                   else sim.returning_visitor(prefer_customers=True))
    if visitor is None and (channel.utm is None or channel.key != "newsletter"):
        visitor = sim.new_visitor()
    if visitor is None:
        return []
    query: dict[str, str] = {}
    context_campaign = None
    if channel.utm:
        source, medium, name = channel.utm
        query = {"utm_source": source, "utm_medium": medium, "utm_campaign": name}
        context_campaign = {"source": source, "medium": medium, "name": name}
    landing = "/" if channel.returning or rng.random() < 0.4 else f"/products/{rng.choice(PRODUCTS).sku.lower()}"
    messages, _ = run_visit(sim, day, visitor, conversion=channel.conversion, landing=landing, query=query,
                            referrer=channel.referrer, campaign=context_campaign)
    return messages


def simulate(*, first_day: date, last_day: date, seed: int, scale: float, unpaid_per_day: float,
             time_zone: str, currency: str) -> Iterator[tuple[date, list[dict], Simulation]]:
    """Each day's messages in time order (the simulation's running state alongside)."""
    sim = Simulation(rng=random.Random(seed), zone=ZoneInfo(time_zone), scale=scale, currency=currency)
    span = max(1, (last_day - first_day).days)
    weights = [c.share for c in CHANNELS]
    day = first_day
    while day <= last_day:
        busy = season(day) * (0.85 + 0.3 * (day - first_day).days / span)  # a shop that grows over the year
        messages: list[dict] = []
        for campaign in campaigns(day.year):
            budget = campaign_budget(campaign, day)
            if not budget:
                continue
            stats = CampaignDay()
            stats.clicks = sim.poisson(campaign.daily_clicks * budget * busy * scale)
            for _ in range(sum(sim.rng.random() < LANDED for _ in range(stats.clicks))):
                visit, booked = _paid_visit(sim, day, campaign)
                messages.extend(visit)
                stats.visits += 1
                if booked is not None:
                    stats.orders += 1
                    stats.revenue += booked
            sim.campaign_days[(campaign.campaign_id, day)] = stats
        for channel in sim.rng.choices(CHANNELS, weights=weights, k=sim.poisson(unpaid_per_day * busy * scale)):
            messages.extend(_unpaid_visit(sim, day, channel))
        messages.sort(key=lambda m: m["timestamp"])
        sim.totals.messages += len(messages)
        yield day, messages, sim
        day += timedelta(days=1)
