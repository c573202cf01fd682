"""Channel data in the warehouse: ad spend, organic social, web analytics sessions, CRM deals and shop orders.

Public interface (other capabilities import from here):
    services: ad_spend_load, social_load, web_sessions_load, crm_deals_load, shop_orders_load (the bulk loaders)
    schema: channel_tables_ensure
    platforms: clean_campaign_name, PLATFORMS, platform_of_utm, is_paid, platform_channel
    orders: merged_orders (the one definition of event + shop orders deduplicated by order id)
    tables: the TableSpecs (AD_SPEND_DAILY ...)
"""
