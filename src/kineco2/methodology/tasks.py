"""Background task: recompute the panel under a methodology version (``django.tasks``).

Enqueued from the maintainer's page; run by the task worker (``db_worker``). Re-enqueuing
the same job resumes it (see :func:`kineco2.methodology.services.run_job`).
"""

from __future__ import annotations

from django.tasks import task


@task()
def recompute_version(job_id: int) -> int:
    from kineco2.methodology.models import RecomputeJob
    from kineco2.methodology.services import run_job

    job = RecomputeJob.objects.get(pk=job_id)
    return run_job(job).done
