"""Connectors: pull ad and social data from the platforms merchants link.

The shared layer (``http``, ``paging``, ``oauth``, ``crypto``, ``errors``) owns auth headers, paging, retry
and the single decision of which errors are transient. Each platform is one package (``meta_ads``,
``instagram``, ``google_ads``, ``twitter_ads``, ``yahoo_ads``) found through ``registry``; each yields
normalized rows (``rows``) and keeps the raw pages (``raw``) so normalization can be re-run offline.
"""
