"""The background task that computes an analysis too large for a request (django-tasks).

Run by ``manage.py db_worker``; the answer lands in the cache exactly as if a
request had computed it, so polling the job then fetching its ``result_url``
serves it from there.
"""

from __future__ import annotations

from django_tasks import task

from api.analysis import kinds  # noqa: F401  (registers the computers)
from api.analysis.runner import Request, compute


@task()
def compute_analysis(request: dict, result_url: str) -> dict:
    answer = compute(Request.from_json(request))
    return {"version": answer.version, "result_url": result_url}
