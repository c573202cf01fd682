"""The attribution report: every attribution model side by side per channel, campaign or channel group, with
spend joined for CPA, ROAS and ROMI; and the engine's models for the KPI report's ``attribution_model``.

Pipeline: ``sources`` (what the warehouse holds: conversions, touchpoints) → ``inputs`` (the engine's columns)
→ ``analyticaflow.attribution`` (journeys, models) → ``rows`` (groupings, spend, cost metrics); ``runner``
strings the steps together, ``api`` serves them.
"""
