"""/api/meetings/: the generic checks, and the attendance list that a write replaces."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.models import Attendance, Meeting, MeetingKind
from registry.services.activity import meeting_create
from tests import factories
from tests.api.generic import (
    ResourceAPITests,
    assert_json,
    assert_problem,
    counts,
    ids,
    token_of,
    unique,
)

pytestmark = pytest.mark.django_db

KINDS = itertools.cycle(MeetingKind.values)


def attendance_of(meeting) -> set[tuple[int, str]]:
    return set(Attendance.objects.filter(meeting=meeting).values_list("actor_id", "status"))


def make_meetings(n, territory):
    """``n`` meetings of up to three bodies, each with its own two attendees."""
    bodies = [factories.BodyFactory(territory=territory) for _ in range(min(n, 3))]
    made = []
    for i in range(n):
        present, excused = factories.ActorFactory.create_batch(2, territory=territory)
        made.append(
            meeting_create(
                body=bodies[i % len(bodies)],
                date=dt.date(2025, 1, 1) + dt.timedelta(days=7 * i),
                kind=next(KINDS),
                title=unique("Séance plénière"),
                attendance={present: "present", excused: "excused"},
            )
        )
    return made


class TestMeetings(ResourceAPITests):
    model = Meeting
    basename = "meeting"
    territory_path = "body__territory_id"
    scope_error_field = "body"

    def make(self, n, territory):
        return make_meetings(n, territory)

    def search_term(self, obj):
        return token_of(obj.title)

    def create_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        a, b, c = factories.ActorFactory.create_batch(3, territory=territory)
        return [
            {
                "body": body.pk,
                "date": "2025-02-11",
                "kind": "plenary",
                "title": unique("Séance"),
                "notes": "Budget participatif : vote des projets.",
                "attendance": [
                    {"actor": a.pk, "status": "present"},
                    {"actor": b.pk, "status": "excused"},
                    {"actor": c.pk, "status": "absent"},
                ],
            },
            {"body": body.pk, "date": "2025-03-11"},
        ]

    def update_payload(self, obj, territory):
        return {"title": obj.title + " (reportée)", "date": "2025-06-30"}

    def put_payload(self, obj, territory):
        return {"body": obj.body_id, "date": "2025-07-01", "kind": "bureau", "title": "Bureau"}

    def invalid_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        actor = factories.ActorFactory(territory=territory)
        base = {"body": body.pk, "date": "2025-02-11"}
        return [
            ({**base, "kind": "banquet"}, "kind"),
            ({**base, "date": "11/02/2025"}, "date"),
            ({"date": "2025-02-11"}, "body"),
            (
                {
                    **base,
                    "attendance": [
                        {"actor": actor.pk, "status": "present"},
                        {"actor": actor.pk, "status": "absent"},
                    ],
                },
                "attendance",
            ),
            (
                {**base, "attendance": [{"actor": actor.pk, "status": "asleep"}]},
                "attendance.0.status",
            ),
            ({**base, "attendance": [{"actor": 10**9, "status": "present"}]}, "attendance.0.actor"),
        ]

    # --- specific to meetings -----------------------------------------------------------

    def test_create_stores_the_attendance(self, tree, full):
        payload = self.create_payloads(tree.commune)[0]
        data = assert_json(full.client.post(self.list_url(), payload, format="json"), 201)
        expected = {(row["actor"], row["status"]) for row in payload["attendance"]}
        assert attendance_of(data["id"]) == expected
        assert {(row["actor"], row["status"]) for row in data["attendance"]} == expected

    def test_patch_replaces_the_attendance_list(self, tree, full):
        meeting = self.make(1, tree.commune)[0]
        (kept, kept_status), (dropped, _status) = sorted(attendance_of(meeting))
        newcomer = factories.ActorFactory(territory=tree.commune)
        payload = {
            "attendance": [
                {"actor": kept, "status": "absent" if kept_status != "absent" else "present"},
                {"actor": newcomer.pk, "status": "present"},
            ]
        }
        data = assert_json(full.client.patch(self.detail_url(meeting.pk), payload, format="json"))
        expected = {(row["actor"], row["status"]) for row in payload["attendance"]}
        assert attendance_of(meeting) == expected
        assert {(row["actor"], row["status"]) for row in data["attendance"]} == expected
        assert dropped not in {actor for actor, _status in attendance_of(meeting)}

    def test_patch_without_attendance_keeps_it(self, tree, full):
        meeting = self.make(1, tree.commune)[0]
        before = attendance_of(meeting)
        assert_json(full.client.patch(self.detail_url(meeting.pk), {"title": "X"}, format="json"))
        assert attendance_of(meeting) == before

    def test_patch_with_an_empty_list_clears_the_attendance(self, tree, full):
        meeting = self.make(1, tree.commune)[0]
        assert_json(
            full.client.patch(self.detail_url(meeting.pk), {"attendance": []}, format="json")
        )
        assert attendance_of(meeting) == set()

    def test_invalid_attendance_on_patch_changes_nothing(self, tree, full):
        meeting = self.make(1, tree.commune)[0]
        before = counts()
        response = full.client.patch(
            self.detail_url(meeting.pk),
            {"title": "Changed", "attendance": [{"actor": 10**9, "status": "present"}]},
            format="json",
        )
        assert_problem(response, 422, field="attendance.0.actor")
        assert counts() == before
        meeting.refresh_from_db()
        assert meeting.title != "Changed"

    def test_filters_by_body_date_and_attendee(self, tree, full):
        a, b, c = self.make(3, tree.commune)
        assert ids(self.get_list(full.client, body=[a.body_id, c.body_id])) == {a.pk, c.pk}
        assert ids(self.get_list(full.client, date_after=str(b.date), date_before=str(b.date))) == {
            b.pk
        }
        attendee = next(iter(attendance_of(b)))[0]
        assert ids(self.get_list(full.client, attendee=attendee)) == {b.pk}
