"""X (Twitter) Ads API: OAuth 1.0a, campaign stats per day in 7-day windows or async jobs, micros."""
