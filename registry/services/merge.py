"""Merging two records of one actor: everything of the merged actor moves to the survivor.

``actor_merge(actor=<merged>, into=<survivor>)`` in one transaction:

- **memberships** of the merged actor move to the survivor; two seats of the same
  body and role whose periods overlap become one (the survivor's seat is kept, from
  the earliest start to the latest end, an open end winning; its other fields are
  kept unless empty, then filled from the absorbed seat; sources united);
- seats held **on behalf of** the merged actor, the bodies it **hosts**, its
  **identifiers** and **other names** move to the survivor (an other name the
  survivor already has is not doubled);
- **attendance** moves; when both records attended one meeting, one row is kept
  (the survivor's) with the strongest status (present, then excused, then absent);
- **interactions** move at both ends; a tie *between the two records* would become a
  tie of the person with themself (which the registry refuses): it is deleted and
  reported under ``dropped``;
- the merged actor's **name** is kept as another name of the survivor, note
  "merged record" (unless the survivor already has that exact spelling);
- **fields** (the actor's and, for a person, its personal data): a field the
  survivor lacks is filled from the merged record (``filled``); two different values
  are a **conflict**, reported, and the survivor's value is kept unless ``prefer``
  says ``{"<field>": "merged"}``; links and sources are united;
- earlier merges into the merged actor are pointed at the survivor (``ActorMerge``
  stays flat: one lookup from any old id to the actor that holds it now), the merged
  actor is deleted and an ``ActorMerge`` row keeps its id answering with a pointer;
- the ledger records every row change of the merge (a replay of the change feed
  reproduces it), then one ``merge`` row on the merged actor,
  ``after = {"merged_into": <survivor id>}``; every row carries the reason
  "merge of actor <id> into actor <id>".

``dry_run`` is the real run rolled back: the same answer, nothing kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from registry import tracking
from registry.exceptions import InvalidInput, NotFound
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorOtherName,
    Attendance,
    Body,
    Interaction,
    Membership,
    PersonalData,
)
from registry.models.history import ChangeAction
from registry.models.merge import ActorMerge
from registry.scope import restrict
from registry.services._common import domain_errors

#: Note of the other name that keeps the merged record's name.
MERGED_NOTE = "merged record"
#: Fields of the actor merged one by one (the survivor's value kept on a conflict).
ACTOR_FIELDS = (
    "name",
    "category",
    "given_name",
    "family_name",
    "territory",
    "description",
    "founding_date",
    "dissolution_date",
    "power",
    "interest",
    "legitimacy",
    "urgency",
)
#: Fields of the actor whose lists are united (by URL).
UNION_FIELDS = ("links", "sources")
#: Fields of the personal data merged one by one: named ``personal_data.<field>`` in the
#: answer and in ``prefer`` (which also takes the bare name, e.g. ``email``).
PERSONAL_PREFIX = "personal_data."
PERSONAL_FIELDS = (
    "email",
    "phone",
    "postal_address",
    "gender",
    "birth_year",
    "lawful_basis",
    "retention_until",
)
#: Every field ``prefer`` may name.
PREFERABLE = frozenset(ACTOR_FIELDS) | frozenset(PERSONAL_PREFIX + f for f in PERSONAL_FIELDS)
SIDES = ("survivor", "merged")
#: Attendance statuses, strongest first (one attended meeting is attended).
_STATUS_RANK = {"present": 0, "excused": 1, "absent": 2}


@dataclass
class MergeResult:
    """What a merge moved, joined, dropped, filled, and the conflicts it met."""

    merged: int
    into: int
    dry_run: bool = False
    moved: dict[str, list[int]] = field(default_factory=dict)
    joined: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    dropped: dict[str, list[int]] = field(default_factory=dict)
    filled: list[str] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    other_name: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        """What ``ActorMerge.report`` keeps: counts and field names, never a value."""
        return {
            "moved": {k: len(v) for k, v in self.moved.items()},
            "joined": {k: len(v) for k, v in self.joined.items()},
            "dropped": {k: len(v) for k, v in self.dropped.items()},
            "filled": list(self.filled),
            "conflicts": [{"field": c["field"], "kept": c["kept"]} for c in self.conflicts],
        }


def check_prefer(prefer: Mapping[str, Any] | None) -> dict[str, str]:
    """``prefer`` as {field: "survivor" | "merged"}; anything else is refused naming the key."""
    if prefer is None:
        return {}
    if not isinstance(prefer, Mapping):
        raise InvalidInput(
            _("The merge request is not valid."),
            errors={"prefer": [_('An object such as {"email": "merged"}.')]},
        )
    errors: dict[str, list[str]] = {}
    out: dict[str, str] = {}
    for given, side in prefer.items():
        name = PERSONAL_PREFIX + given if given in PERSONAL_FIELDS else given
        out[name] = side
        if name not in PREFERABLE:
            errors[f"prefer.{given}"] = [
                _("Not a field a merge chooses. Choose among: %(fields)s.")
                % {"fields": ", ".join(sorted(PREFERABLE))}
            ]
        elif side not in SIDES:
            errors[f"prefer.{given}"] = [_('Give "survivor" or "merged".')]
    if errors:
        raise InvalidInput(_("The merge request is not valid."), errors=errors)
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _union_links(kept: list, other: list) -> list:
    seen = {(link or {}).get("url") for link in kept}
    out = list(kept)
    for link in other:
        if (link or {}).get("url") not in seen:
            out.append(link)
            seen.add((link or {}).get("url"))
    return out


def _merge_fields(
    survivor, merged, names, prefer: dict[str, str], result: MergeResult, label=""
) -> dict[str, Any]:
    """The changes to ``survivor`` that fill its gaps and apply ``prefer``; conflicts noted."""
    changes: dict[str, Any] = {}
    for name in names:
        attname = survivor._meta.get_field(name).attname
        mine, theirs = getattr(survivor, attname), getattr(merged, attname)
        if _empty(theirs) or mine == theirs:
            continue
        if _empty(mine):
            changes[attname] = theirs
            result.filled.append(f"{label}{name}")
            continue
        kept = prefer.get(f"{label}{name}", "survivor")
        result.conflicts.append(
            {
                "field": f"{label}{name}",
                "survivor": tracking._jsonable(mine),
                "merged": tracking._jsonable(theirs),
                "kept": kept,
            }
        )
        if kept == "merged":
            changes[attname] = theirs
    return changes


def _locked_pair(actor_id: int, into_id: int, reach: int | None) -> tuple[Actor, Actor]:
    """Both actors, locked in id order; refusals name the request's field at fault."""
    rows = {
        a.pk: a
        for a in restrict(
            Actor.objects.select_for_update().filter(pk__in=[actor_id, into_id]),
            "territory_id",
            reach,
        ).order_by("pk")
    }
    if actor_id not in rows:
        raise NotFound(_("No actor with this id within your reach."))
    if actor_id == into_id:
        raise InvalidInput(
            _("An actor cannot be merged into itself."),
            errors={"into": [_("Give the id of another actor.")]},
        )
    if into_id not in rows:
        merge = ActorMerge.objects.filter(merged_id=into_id).first()
        if (
            merge is not None
            and restrict(Actor.objects.filter(pk=merge.into_id), "territory_id", reach).exists()
        ):
            raise InvalidInput(
                _("The actor to merge into was itself merged."),
                errors={
                    "into": [
                        _("Actor %(old)s was merged into actor %(new)s: merge into %(new)s.")
                        % {"old": into_id, "new": merge.into_id}
                    ]
                },
            )
        raise InvalidInput(
            _("The actor to merge into does not exist."),
            errors={"into": [_("No actor with this id within your reach.")]},
        )
    actor, into = rows[actor_id], rows[into_id]
    if actor.kind != into.kind:
        raise InvalidInput(
            _("Only two actors of the same kind can be merged."),
            errors={
                "into": [
                    _("Actor %(into)s is a %(theirs)s, actor %(actor)s a %(mine)s.")
                    % {
                        "into": into.pk,
                        "theirs": into.get_kind_display(),
                        "actor": actor.pk,
                        "mine": actor.get_kind_display(),
                    }
                ]
            },
        )
    return actor, into


def actor_merge(
    *,
    actor: Actor | int,
    into: Actor | int,
    prefer: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    reach: int | None = None,
) -> MergeResult:
    """Merge ``actor`` into ``into`` (the survivor); see the module docstring.

    ``reach`` is the territory the caller is limited to (None: none): both actors must
    lie within it (the merged one is otherwise ``NotFound``, the survivor an unknown
    ``into``). Raises ``InvalidInput`` naming ``into`` or ``prefer.<field>``.
    """
    prefer = check_prefer(prefer)
    actor_id = actor.pk if isinstance(actor, Actor) else actor
    into_id = into.pk if isinstance(into, Actor) else into
    with transaction.atomic(), domain_errors():
        merged, survivor = _locked_pair(actor_id, into_id, reach)
        result = MergeResult(merged=merged.pk, into=survivor.pk, dry_run=dry_run)
        reason = f"merge of actor {merged.pk} into actor {survivor.pk}"
        with tracking.change_context(reason=reason):
            _apply(merged, survivor, prefer, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _apply(merged: Actor, survivor: Actor, prefer: dict[str, str], result: MergeResult) -> None:
    _merge_memberships(merged, survivor, result)
    result.moved["represented"] = _repoint(
        Membership.objects.filter(on_behalf_of=merged), "on_behalf_of", survivor
    )
    result.moved["hosted_bodies"] = _repoint(Body.objects.filter(host=merged), "host", survivor)
    _merge_attendances(merged, survivor, result)
    _merge_interactions(merged, survivor, result)
    result.moved["identifiers"] = _repoint(
        ActorIdentifier.objects.filter(actor=merged), "actor", survivor
    )
    _merge_other_names(merged, survivor, result)
    _merge_actor_fields(merged, survivor, prefer, result)
    _merge_personal_data(merged, survivor, prefer, result)
    # Flat pointers: whoever pointed at the merged actor now points at the survivor
    # (before the merged actor goes: the pointers cascade with their actor).
    earlier = list(ActorMerge.objects.filter(into=merged))
    tracking.bulk_update([(m, {"into": survivor}) for m in earlier])
    result.moved["merges"] = [m.merged_id for m in earlier]
    merged_id, territory_id, label = merged.pk, merged.territory_id, str(merged)
    tracking.delete(merged)
    tracking.create(
        ActorMerge(
            merged_id=merged_id,
            into=survivor,
            merged_name=label[:300],
            report=result.summary(),
        )
    )
    tracking.record_event(
        ChangeAction.MERGE,
        Actor,
        merged_id,
        label=label,
        territory_id=territory_id,
        after={"merged_into": survivor.pk},
    )


def _repoint(queryset, name: str, survivor: Actor) -> list[int]:
    rows = list(queryset.order_by("pk"))
    tracking.bulk_update([(row, {name: survivor}) for row in rows], validate=False)
    return [row.pk for row in rows]


# --- memberships -----------------------------------------------------------------------


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    """Half-open periods [start, end) meet (an empty end: still open)."""
    return (a_end is None or b_start < a_end) and (b_end is None or a_start < b_end)


def _merge_memberships(merged: Actor, survivor: Actor, result: MergeResult) -> None:
    theirs = list(Membership.objects.filter(actor=merged).order_by("start_date", "pk"))
    seats: dict[tuple, list[Membership]] = {}
    for m in theirs:
        seats.setdefault((m.body_id, m.role), [])
    if seats:
        mine = Membership.objects.filter(actor=survivor).filter(
            Q(*[Q(body_id=b, role=r) for b, r in seats], _connector=Q.OR)
        )
        for m in mine:
            seats[(m.body_id, m.role)].append(m)
    for m in theirs:
        seats[(m.body_id, m.role)].append(m)
    absorbed_rows: list[Membership] = []
    updates: list[tuple[Membership, dict]] = []
    moved: list[Membership] = []
    for rows in seats.values():
        for group in _overlapping_groups(rows):
            kept = next((r for r in group if r.actor_id == survivor.pk), None)
            if kept is None:  # the merged actor's seat alone: it moves
                moved.extend(group)
                continue
            others = [r for r in group if r is not kept]
            if not others:
                continue
            absorbed_rows.extend(others)
            changes = _joined_seat(kept, others)
            updates.append((kept, changes))
            result.joined.setdefault("memberships", []).append(
                {
                    "kept": kept.pk,
                    "absorbed": [r.pk for r in others],
                    "start_date": tracking._jsonable(changes.get("start_date", kept.start_date)),
                    "end_date": tracking._jsonable(changes.get("end_date", kept.end_date)),
                }
            )
    # Absorbed seats go first: the kept seat then grows into the period they held
    # (overlaps are refused by the database) and may take their external id.
    if absorbed_rows:
        tracking.bulk_delete(absorbed_rows)
    for kept, changes in updates:
        tracking.update(kept, changes)
    tracking.bulk_update([(m, {"actor": survivor}) for m in moved], validate=False)
    result.moved["memberships"] = [m.pk for m in moved]
    result.joined.setdefault("memberships", [])


def _overlapping_groups(rows: list[Membership]) -> list[list[Membership]]:
    """The rows of one seat in groups whose periods chain by overlapping."""
    groups: list[list[Membership]] = []
    end: Any = None
    for row in sorted(rows, key=lambda r: (r.start_date, r.pk)):
        if groups and (end is None or row.start_date < end):
            groups[-1].append(row)
            if end is not None and (row.end_date is None or row.end_date > end):
                end = row.end_date
            continue
        groups.append([row])
        end = row.end_date
    return groups


def _joined_seat(kept: Membership, others: list[Membership]) -> dict[str, Any]:
    """The changes that make ``kept`` the one seat of its group."""
    group = [kept, *others]
    start = min(r.start_date for r in group)
    open_ended = any(r.end_date is None for r in group)
    last = None if open_ended else max(group, key=lambda r: r.end_date)
    changes: dict[str, Any] = {"start_date": start}
    if open_ended:
        changes.update(end_date=None, end_reason="")
    else:
        changes.update(end_date=last.end_date, end_reason=last.end_reason)
    for attname in ("college_id", "selection_mode", "on_behalf_of_id", "external_id"):
        if _empty(getattr(kept, attname)):
            donor = next((r for r in others if not _empty(getattr(r, attname))), None)
            if donor is not None:
                changes[attname] = getattr(donor, attname)
    sources = list(kept.sources)
    for r in others:
        sources = _union_links(sources, r.sources)
    if sources != kept.sources:
        changes["sources"] = sources
    return changes


# --- attendance, interactions, other names -----------------------------------------------


def _merge_attendances(merged: Actor, survivor: Actor, result: MergeResult) -> None:
    theirs = list(Attendance.objects.filter(actor=merged).order_by("pk"))
    mine = {
        a.meeting_id: a
        for a in Attendance.objects.filter(
            actor=survivor, meeting_id__in=[a.meeting_id for a in theirs]
        )
    }
    doubles = [a for a in theirs if a.meeting_id in mine]
    moved = [a for a in theirs if a.meeting_id not in mine]
    joined = []
    updates = []
    for a in doubles:
        kept = mine[a.meeting_id]
        status = min(kept.status, a.status, key=lambda s: _STATUS_RANK.get(s, 9))
        if status != kept.status:
            updates.append((kept, {"status": status}))
        joined.append({"kept": kept.pk, "absorbed": [a.pk], "status": status})
    if doubles:
        tracking.bulk_delete(doubles)
    tracking.bulk_update(updates, validate=False)
    tracking.bulk_update([(a, {"actor": survivor}) for a in moved], validate=False)
    result.moved["attendances"] = [a.pk for a in moved]
    result.joined["attendances"] = joined


def _merge_interactions(merged: Actor, survivor: Actor, result: MergeResult) -> None:
    between = list(
        Interaction.objects.filter(
            Q(source=merged, target_actor=survivor) | Q(source=survivor, target_actor=merged)
        ).order_by("pk")
    )
    result.dropped["interactions"] = [i.pk for i in between]
    if between:
        tracking.bulk_delete(between)
    out = _repoint(Interaction.objects.filter(source=merged), "source", survivor)
    into = _repoint(Interaction.objects.filter(target_actor=merged), "target_actor", survivor)
    result.moved["interactions"] = sorted(set(out) | set(into))


def _merge_other_names(merged: Actor, survivor: Actor, result: MergeResult) -> None:
    def key(o):
        return (o.name, o.note, o.start_date, o.end_date)

    mine = {key(o) for o in ActorOtherName.objects.filter(actor=survivor)}
    theirs = list(ActorOtherName.objects.filter(actor=merged).order_by("pk"))
    doubles = [o for o in theirs if key(o) in mine]
    # Ids read before the delete (Django clears a deleted instance's pk).
    result.joined["other_names"] = [{"absorbed": [o.pk]} for o in doubles]
    if doubles:
        tracking.bulk_delete(doubles)
    moved = [o for o in theirs if key(o) not in mine]
    tracking.bulk_update([(o, {"actor": survivor}) for o in moved], validate=False)
    result.moved["other_names"] = [o.pk for o in moved]


def _keep_name(name: str, survivor: Actor, result: MergeResult) -> None:
    """Keep ``name`` as another name of the survivor (unless it already goes by it)."""
    from registry.services.gdpr import PSEUDONYM_PREFIX

    if not name.strip() or name.startswith(PSEUDONYM_PREFIX):
        return
    # Exact spellings: "QUENTIN Maelle" beside "Maëlle Quentin" is still found by search.
    known = {
        survivor.name,
        *ActorOtherName.objects.filter(actor=survivor).values_list("name", flat=True),
    }
    if name in known:
        return
    tracking.create(ActorOtherName(actor=survivor, name=name, note=MERGED_NOTE))
    result.other_name = {"name": name, "note": MERGED_NOTE}


def _merge_actor_fields(
    merged: Actor, survivor: Actor, prefer: dict[str, str], result: MergeResult
) -> None:
    changes = _merge_fields(survivor, merged, ACTOR_FIELDS, prefer, result)
    for name in UNION_FIELDS:
        united = _union_links(getattr(survivor, name), getattr(merged, name))
        if united != getattr(survivor, name):
            changes[name] = united
    # The name the survivor does not keep stays one of its other names.
    dropped_name = survivor.name if "name" in changes else merged.name
    tracking.update(survivor, changes)
    _keep_name(dropped_name, survivor, result)


def _merge_personal_data(
    merged: Actor, survivor: Actor, prefer: dict[str, str], result: MergeResult
) -> None:
    theirs = PersonalData.objects.filter(actor=merged).first()
    if theirs is None:
        return
    mine = PersonalData.objects.filter(actor=survivor).first()
    if mine is None:
        tracking.update(theirs, {"actor": survivor})
        result.filled.append("personal_data")
        return
    changes = _merge_fields(mine, theirs, PERSONAL_FIELDS, prefer, result, PERSONAL_PREFIX)
    united = _union_links(mine.sources, theirs.sources)
    if united != mine.sources:
        changes["sources"] = united
    tracking.delete(theirs)
    tracking.update(mine, changes)
