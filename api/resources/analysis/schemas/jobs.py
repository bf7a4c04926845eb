"""The shape of a background analysis job (``api.resources.analysis.views.job_document``)."""

from __future__ import annotations

from django_tasks.base import TaskResultStatus
from rest_framework import serializers

from api.resources.analysis.schemas.fields import Vocabulary


class AnalysisJobSerializer(serializers.Serializer):
    """An analysis queued because its territory was too large to compute in the request."""

    id = serializers.CharField(
        help_text="Job id: the task backend's token (a UUID with the database backend)."
    )
    status = Vocabulary(
        "AnalysisJobStatus",
        TaskResultStatus.values,
        about="`READY` (queued), `RUNNING`, `SUCCESSFUL` or `FAILED` (django-tasks' states).",
        help_text="Where the job is.",
    )
    enqueued_at = serializers.DateTimeField(help_text="When it was queued.")
    finished_at = serializers.DateTimeField(
        allow_null=True, help_text="When it finished, if it has."
    )
    result_url = serializers.CharField(
        help_text="Where the answer is served (from the cache) once the job succeeded."
    )
    error = serializers.CharField(
        allow_null=True, help_text="Why it failed, if it did: the exception's class (no trace)."
    )
