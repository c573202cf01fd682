"""Google Ads API (REST): GAQL through googleAds:searchStream, cost in micros, manager accounts."""
