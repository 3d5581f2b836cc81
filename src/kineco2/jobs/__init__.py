"""Background jobs: Django 6's tasks framework on the database worker of ``django-tasks-db``.

* :mod:`kineco2.jobs.retry`: :func:`retrying_task`, a ``@task`` whose failures are enqueued
  again with exponential backoff.
* :mod:`kineco2.jobs.mail`: outgoing e-mail through the queue, one :class:`OutboundEmail` row
  (status, attempts, last error) per message, a shared rate limit, at most one delivery each.
* :mod:`kineco2.jobs.worker`: run the worker loop in-process (tests, one-off commands).

See docs/decisions/0003-task-queue.md and README « Background jobs ».
"""
