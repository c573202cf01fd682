"""Integrations: a project's linked platform accounts, linked once with OAuth and synced in the background.

Public interface (other capabilities import from here):
    selectors: ``integration_menu_accounts(project_id=...)`` (the accounts for the dashboard's menu),
               ``integrations_for_project``, ``integration_get``, ``sync_runs_of``
    services: ``integration_create``, ``integration_link_complete``, ``integration_accounts_choose``,
              ``integration_reconnect``, ``integration_disconnect``, ``integration_sync_request``,
              ``integration_schedule_update``
    linking: the OAuth callback's entry point ``link_callback``
    keys: ``credentials_rotate_key`` (the ``analyticaflow rotate-key`` command)

The connector library (``analyticaflow.connectors``) talks to the platforms; this app keeps the state: which
account, its encrypted grant, the schedule, the backfill cursor and the sync history. Rows go to the warehouse
through the channel-data loaders (idempotent window loads), so a re-run never duplicates anything.
"""
