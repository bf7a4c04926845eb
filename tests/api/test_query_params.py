"""Query parameters that carry an id, a number, a date, a boolean or a territory: one input layer.

For every list of the router, every such filter (enumerated from its filterset,
as ``test_filters_cover_fields`` does), the page parameters, and the parameters
of the analyses and the export: values a tester sends to break the parsing
(digits of other scripts, which ``int()`` reads, ``²`` and ``①``, which
``str.isdigit()`` takes and ``int()`` refuses, numbers beyond 64 bits, NUL,
garbage) answer a 400 problem naming the parameter, never a 500 and never a
silent reading of the value.
"""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from unittest import mock

import django_filters as df
import orjson
import pytest
from django.db import models
from django.urls import reverse
from django_filters.utils import get_model_field
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import base, fastlist
from api.filters import MultipleIdFilter, TerritoryRefFilter, WithinTerritoryFilter
from api.models import ALL_SCOPES
from api.urls import router
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create

from .conftest import client_for, make_key

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- the parameters ------------------------------------------------------------------------


def typed_filters(filterset) -> list[tuple[str, str]]:
    """``(parameter, kind)`` for every filter of ``filterset`` that carries a typed value."""
    out = []
    model = filterset._meta.model
    for name, f in filterset.base_filters.items():
        kind = type(f)
        if isinstance(f, MultipleIdFilter):
            out.append((name, "id"))
        elif isinstance(f, TerritoryRefFilter | WithinTerritoryFilter):
            out.append((name, "territory"))
        elif kind is df.NumberFilter:
            column = get_model_field(model, f.field_name)
            out.append((name, "integer" if isinstance(column, models.IntegerField) else "decimal"))
        elif kind is df.DateFilter:
            out.append((name, "date"))
        elif kind is df.DateFromToRangeFilter:
            out += [(f"{name}_after", "date"), (f"{name}_before", "date")]
        elif kind is df.IsoDateTimeFilter:
            out.append((name, "datetime"))
        elif kind is df.BooleanFilter:
            out.append((name, "boolean"))
    return out


PAGE_PARAMETERS = [("limit", "integer"), ("offset", "integer"), ("brief", "boolean")]
LIST_PARAMETERS = [
    (reverse(f"{basename}-list"), name, kind)
    for _prefix, viewset, basename in router.registry
    for name, kind in [*typed_filters(viewset.filterset_class), *PAGE_PARAMETERS]
]


def analysis_parameters(net) -> list[tuple[str, dict, str, str]]:
    """``(path, valid other parameters, parameter, kind)`` of the views that are not lists."""
    territory = {"territory": net["commune"].pk}
    ends = {"from": net["alice"].pk, "to": net["bruno"].pk}
    network = f"/api/analysis/actors/{net['alice'].pk}/network"
    renewal = f"/api/analysis/bodies/{net['body'].pk}/renewal"
    out = [
        ("/api/export/popolo", {}, "territory", "territory"),
        ("/api/analysis/paths", territory | {"to": net["bruno"].pk}, "from", "id"),
        ("/api/analysis/paths", territory | {"from": net["alice"].pk}, "to", "id"),
        ("/api/analysis/paths", ends, "territory", "territory"),
        ("/api/analysis/paths", territory | ends, "as_of", "date"),
        (network, {}, "radius", "integer"),
        (network, {}, "territory", "territory"),
        (network, {}, "as_of", "date"),
        (renewal, {}, "territory", "territory"),
        (renewal, {}, "as_of", "date"),
    ]
    for path in ("influence-map", "interlocks", "stakeholders", "renewal"):
        out += [
            (f"/api/analysis/{path}", {}, "territory", "territory"),
            (f"/api/analysis/{path}", territory, "as_of", "date"),
        ]
    out += [
        ("/api/analysis/influence-map", territory, "seed", "integer"),
        ("/api/analysis/influence-map", territory, "min_weight", "integer"),
        ("/api/analysis/influence-map", territory, "memberships", "boolean"),
        ("/api/analysis/stakeholders", territory, "seed", "integer"),
        ("/api/analysis/stakeholders", territory, "threshold", "integer"),
        ("/api/analysis/interlocks", territory, "min_shared", "integer"),
        ("/api/actors/duplicates/", {}, "territory", "territory"),
        ("/api/actors/duplicates/", territory, "min_score", "integer"),
        ("/api/actors/duplicates/", territory, "limit", "integer"),
    ]
    return out


# --- hostile values ---------------------------------------------------------------------------

#: Every decimal digit of Unicode (category Nd) but 0-9, by value: ``int()`` reads them all.
OTHER_DIGITS: dict[int, list[str]] = {}
for _code in range(sys.maxunicode + 1):
    _char = chr(_code)
    if unicodedata.category(_char) == "Nd" and not _char.isascii():
        OTHER_DIGITS.setdefault(unicodedata.digit(_char), []).append(_char)
#: Characters ``str.isdigit()`` takes and ``int()`` refuses.
DIGIT_LOOKALIKES = "²³¹①⑨⁵₂"


@st.composite
def foreign_digits(draw, text: str) -> str:
    """``text`` with at least one of its ASCII digits written in another script."""
    positions = [i for i, c in enumerate(text) if c.isdigit()]
    chosen = draw(st.sets(st.sampled_from(positions), min_size=1))
    chars = list(text)
    for i in chosen:
        chars[i] = draw(st.sampled_from(OTHER_DIGITS[int(chars[i])]))
    return "".join(chars)


integers = st.integers(min_value=0, max_value=10**6).map(str)
beyond_64_bits = st.one_of(
    st.integers(min_value=2**63, max_value=10**40), st.integers(max_value=-(2**63) - 1)
).map(str)
with_nul = st.builds(lambda a, b: f"{a}\x00{b}", integers, st.sampled_from(["", "1", "a"]))
lookalikes = st.builds(
    lambda pre, c: f"{pre}{c}", st.sampled_from(["", "1", "12"]), st.sampled_from(DIGIT_LOOKALIKES)
)
dates = st.dates(dt.date(1900, 1, 1), dt.date(2999, 12, 31)).map(dt.date.isoformat)
datetimes = st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2999, 12, 31)).map(
    lambda d: d.isoformat() + "Z"
)

#: Values refused, per kind of parameter.
HOSTILE = {
    "id": st.one_of(
        integers.flatmap(foreign_digits),
        lookalikes,
        beyond_64_bits,
        with_nul,
        st.sampled_from(["1.5", "abc", "1e3", "0x10", "--1", "1_000"]),
    ),
    "territory": st.one_of(
        integers.flatmap(foreign_digits),
        lookalikes,
        beyond_64_bits,
        with_nul,
        st.sampled_from(["abc", "commune", "commune:", ":75056", "commune:75\x00056", "1.5"]),
        st.just("commune:" + "7" * 200),
    ),
    "date": st.one_of(
        dates.flatmap(foreign_digits),
        with_nul,
        st.sampled_from(["2020-13-01", "0001-01-01", "9999-12-31", "abc", "2020-01-01T00:00"]),
    ),
    "datetime": st.one_of(
        datetimes.flatmap(foreign_digits),
        with_nul,
        st.sampled_from(["abc", "2020-13-01T00:00:00Z"]),
    ),
    "boolean": st.one_of(
        st.sampled_from(["yes", "no", "2", "truee", "on"]),
        st.sampled_from(["1", "0"]).flatmap(foreign_digits),
        lookalikes,
        with_nul,
    ),
}
HOSTILE["integer"] = HOSTILE["id"]
HOSTILE["decimal"] = st.one_of(
    st.sampled_from(["1", "2.5"]).flatmap(foreign_digits),
    lookalikes,
    with_nul,
    st.sampled_from(["abc", "NaN", "Infinity", "1e999999"]),
)

#: One value of each class, tried on every parameter (the properties draw the rest).
EXAMPLES = {
    "id": ["٣", "²", "①", "99999999999999999999999", "1\x00"],
    "integer": ["٣", "²", "①", "99999999999999999999", "1\x00"],
    "decimal": ["٣", "²", "1\x00", "abc"],
    "territory": ["٣", "²", "①", "99999999999999999999999", "1\x00", "commune:\x00"],
    "date": ["٢٠٢٠-٠١-٠١", "2020-01-0²", "0001-01-01", "2020-01-01\x00"],
    "datetime": ["٢٠٢٠-01-01T00:00:00Z", "2020-01-01T00:00:00Z\x00", "abc"],
    "boolean": ["١", "yes", "²", "1\x00"],
}


# --- fixtures and checks -----------------------------------------------------------------------


@pytest.fixture
def client():
    return client_for(make_key(scopes=ALL_SCOPES)[1])


@pytest.fixture
def net():
    """A commune, two persons and a body they both sit in: every list has a row."""
    commune = territory_create(level="commune", code="97101", name="Commune Q")
    alice = actor_create(kind="person", category="resident", name="Alice", territory=commune)
    bruno = actor_create(kind="person", category="resident", name="Bruno", territory=commune)
    body = body_create(name="Conseil Q", body_type="conseil_citoyen", territory=commune)
    for actor in (alice, bruno):
        membership_create(actor=actor, body=body, role="member", start_date=dt.date(2025, 1, 1))
    return {"commune": commune, "alice": alice, "bruno": bruno, "body": body}


def assert_refused(response, name: str, value: str) -> None:
    """A 400 problem whose errors name ``name`` (and nothing went to the database)."""
    assert response.status_code == 400, (name, value, response.status_code, response.content[:300])
    assert response["Content-Type"] == PROBLEM, response.content[:300]
    fields = [e["field"] for e in orjson.loads(response.content)["errors"]]
    assert name in fields, (name, value, fields)


def get(client, path: str, params: dict):
    return client.get(path, params)


# --- every list, every typed parameter, one value of each class --------------------------


@pytest.mark.parametrize(
    "path, name, kind", [pytest.param(*p, id=f"{p[0]}?{p[1]}") for p in LIST_PARAMETERS]
)
def test_every_typed_list_parameter_refuses_each_class_of_hostile_value(
    client, net, path, name, kind
):
    for value in EXAMPLES[kind]:
        assert_refused(get(client, path, {name: value}), name, value)


def test_the_analysis_and_export_parameters_refuse_each_class_of_hostile_value(client, net):
    for path, others, name, kind in analysis_parameters(net):
        for value in EXAMPLES[kind]:
            assert_refused(get(client, path, {**others, name: value}), name, value)


# --- properties: drawn values of each class on drawn parameters ---------------------------


@PROPERTY
@given(data=st.data())
def test_a_list_parameter_refuses_any_hostile_value_of_its_kind(client, net, data):
    path, name, kind = data.draw(st.sampled_from(LIST_PARAMETERS), label="parameter")
    value = data.draw(HOSTILE[kind], label="value")
    assert_refused(get(client, path, {name: value}), name, value)


@PROPERTY
@given(data=st.data())
def test_an_analysis_parameter_refuses_any_hostile_value_of_its_kind(client, net, data):
    path, others, name, kind = data.draw(
        st.sampled_from(analysis_parameters(net)), label="parameter"
    )
    value = data.draw(HOSTILE[kind], label="value")
    assert_refused(get(client, path, {**others, name: value}), name, value)


@PROPERTY
@given(data=st.data())
def test_an_id_filter_holding_one_hostile_id_among_good_ones_is_refused(client, net, data):
    ids = [(p, n) for p, n, k in LIST_PARAMETERS if k == "id"]
    path, name = data.draw(st.sampled_from(ids), label="parameter")
    bad = data.draw(HOSTILE["id"], label="value")
    values = [str(net["alice"].pk), bad, str(net["body"].pk)]
    for query in ({name: values}, {name: ",".join(values)}):
        assert_refused(get(client, path, query), name, bad)


@PROPERTY
@given(data=st.data(), value=st.text(max_size=30))
def test_any_text_in_a_typed_parameter_is_answered_never_a_500(client, net, data, value):
    path, name, _kind = data.draw(st.sampled_from(LIST_PARAMETERS), label="parameter")
    response = get(client, path, {name: value})
    assert response.status_code in (200, 400), (name, value, response.content[:300])
    if response.status_code == 400:
        assert_refused(response, name, value)


# --- what the layer still takes ------------------------------------------------------------


def test_ascii_values_within_bounds_are_read(client, net):
    alice, commune = net["alice"], net["commune"]
    cases = [
        ("/api/actors/", {"id": f" {alice.pk} "}, {alice.pk}),
        ("/api/actors/", {"id": f"{alice.pk},{2**63 - 1}"}, {alice.pk}),
        ("/api/actors/", {"territory": str(commune.pk)}, {alice.pk, net["bruno"].pk}),
        ("/api/actors/", {"territory": "commune:97101"}, {alice.pk, net["bruno"].pk}),
        ("/api/actors/", {"territory": "commune:00000"}, set()),
        ("/api/memberships/", {"start_date_after": "2025-01-01", "current": "TRUE"}, None),
        ("/api/actors/", {"offset": str(2**63 - 1)}, set()),
    ]
    for path, query, expected in cases:
        response = get(client, path, query)
        assert response.status_code == 200, (query, response.content[:300])
        results = orjson.loads(response.content)["results"]
        if expected is not None:
            assert {r["id"] for r in results} == expected, query
        else:
            assert len(results) == 2, query


def test_an_offset_beyond_64_bits_is_a_400_on_every_list(client, net):
    for _prefix, _viewset, basename in router.registry:
        response = get(client, reverse(f"{basename}-list"), {"offset": str(2**63)})
        assert_refused(response, "offset", str(2**63))


def test_an_empty_parameter_is_not_given(client, net):
    for path, name, _kind in LIST_PARAMETERS:
        response = get(client, path, {name: ""})
        assert response.status_code == 200, (path, name, response.content[:300])


# --- expand and fields: each name once --------------------------------------------------------


def _expansions(client, query: dict) -> tuple[bytes, int]:
    fastlist.PLANS.clear()
    with mock.patch.object(base, "brief_serializer", wraps=base.brief_serializer) as spy:
        response = get(client, "/api/actors/", query)
    assert response.status_code == 200, response.content[:300]
    return response.content, spy.call_count


def test_an_expansion_given_many_times_costs_what_it_costs_once(client, net):
    once, calls_once = _expansions(client, {"expand": "territory"})
    many_in_one, calls_many = _expansions(client, {"expand": ",".join(["territory"] * 500)})
    repeated, calls_repeated = _expansions(client, {"expand": ["territory"] * 400})
    assert many_in_one == once and repeated == once
    assert calls_once >= 1
    assert calls_many == calls_once and calls_repeated == calls_once


def test_fields_given_many_times_answer_as_once(client, net):
    once = get(client, "/api/actors/", {"fields": "id,name"})
    many = get(client, "/api/actors/", {"fields": ",".join(["id", "name"] * 500)})
    assert once.status_code == many.status_code == 200
    assert many.content == once.content
    assert set(orjson.loads(many.content)["results"][0]) == {"id", "name"}


def test_the_fast_list_caches_one_plan_for_every_spelling_of_the_same_names(client, net):
    fastlist.PLANS.clear()
    for query in ({"expand": "territory"}, {"expand": "territory,territory"}):
        assert get(client, "/api/actors/", query).status_code == 200
    keys = [k for k in fastlist.PLANS if "territory" in repr(k)]
    assert len(keys) <= 1, keys


def test_unknown_names_are_refused_after_de_duplication(client, net):
    response = get(client, "/api/actors/", {"expand": ",".join(["nope"] * 700)})
    assert_refused(response, "expand", "nope")
    [error] = orjson.loads(response.content)["errors"]
    assert error["detail"].count("nope") == 1
    response = get(client, "/api/actors/", {"fields": ",".join(["nope"] * 700)})
    assert_refused(response, "fields", "nope")
    # Too many parameters is still the 400 of the request's bound.
    response = client.get("/api/actors/?" + "&".join(["expand=territory"] * 1200))
    assert response.status_code in (400, 414), response.content[:300]


def text_filters() -> list[tuple[str, str]]:
    return [
        (reverse(f"{basename}-list"), name)
        for _prefix, viewset, basename in router.registry
        for name, f in viewset.filterset_class.base_filters.items()
        if isinstance(f, df.CharFilter | df.BaseInFilter | df.MultipleChoiceFilter)
    ]


def test_a_nul_in_a_text_or_choice_parameter_is_a_400_naming_it(client, net):
    # PostgreSQL refuses NUL in a string literal (a DataError, a 500, if it got there).
    for path, name in text_filters():
        assert_refused(get(client, path, {name: "a\x00b"}), name, "a\x00b")


@pytest.mark.parametrize("blank", [" ", "\t", "\u3000 "])
def test_a_blank_date_range_end_is_not_given(client, net, blank):
    # Found by the property above: a blank end made both ends None, a slice the range
    # filter sent to the database as a date (500).
    response = get(client, "/api/bodies/", {"founding_date_after": blank})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == get(client, "/api/bodies/", {}).json()["count"]
