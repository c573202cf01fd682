"""Channel grouping: the project's setting that sorts sources into paid search, paid social, email, organic,
referral and direct.

Public interface: ``selectors.channel_grouping_for`` (the rules as a pure ``rules.ChannelGrouping``),
``services.channel_grouping_update``; ``rules`` holds the classification every report uses, and
``touches.touch_channel_group`` the group of a tracked touchpoint (what makes a visit paid), for every report.
"""
