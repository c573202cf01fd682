"""Background jobs: one registry of job functions, run by threads in the server (embedded) or by Celery (scale).

Public interface (other capabilities import from here):
    registry: ``job(name)`` and ``periodic(name)`` decorators, ``JobContext`` (what a running job is told)
    services: ``job_enqueue`` (persist a job; it runs after the surrounding transaction commits),
              ``jobs_tick`` (periodic work, retries and crash recovery), ``jobs_run_until_idle``
    selectors: ``job_active_for``, ``jobs_summary``

Every job is a row in the metadata database before it runs, so pending work survives a restart in both modes.
A job function takes keyword arguments (ids, never objects) plus ``job: JobContext``; raising an error whose
``transient`` attribute is true retries it later with backoff (honouring a ``retry_after`` attribute), any
other error fails it. Capabilities list their job modules in ``settings.ANALYTICAFLOW_JOB_MODULES``.
"""
