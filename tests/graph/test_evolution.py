"""graph.evolution on hand-built graphs and snapshots: dates, core, top set, communities,
interlocks and score moves, each checked against values computed by hand."""

from __future__ import annotations

import datetime as dt
import string
from itertools import combinations

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graph.evolution import (
    MAX_SNAPSHOTS,
    STEPS,
    BodyScore,
    BodyState,
    Community,
    IndicatorState,
    Snapshot,
    StatusChange,
    TooManyDates,
    compare,
    snapshot_dates,
    take_snapshot,
)
from graph.evolution.dates import plus_months
from graph.evolution.diff import NAMES_SHOWN
from graph.evolution.messages import EN, FR

FIRST, LAST = dt.date(2024, 1, 1), dt.date(2026, 1, 1)


def graph_of(ties=(), seats=(), actors=()) -> nx.MultiGraph:
    """Actors ``a<n>`` tied by interactions (``ties``) and seated in bodies ``b<n>`` (``seats``)."""
    g = nx.MultiGraph()
    nodes = set(actors) | {n for pair in (*ties, *seats) for n in pair}
    for n in sorted(nodes):
        g.add_node(n, kind="actor" if n[0] == "a" else "body", label=n.upper())
    for i, (u, v) in enumerate(ties):
        g.add_edge(u, v, f"i{i}", relation="interaction", type="collaboration", weight=1)
    for i, (a, b) in enumerate(seats):
        g.add_edge(a, b, f"m{i}", relation="membership", type="member", weight=1)
    return g


def snap(graph, day, **kw) -> Snapshot:
    return take_snapshot(graph, as_of=day, seed=0, scores=kw.pop("scores", ()), **kw)


def clique(*nodes):
    return list(combinations(nodes, 2))


# --- dates -----------------------------------------------------------------------------------


def test_dates_step_from_the_first_and_end_on_the_last():
    assert snapshot_dates(dt.date(2020, 3, 15), dt.date(2022, 1, 1), "year") == (
        dt.date(2020, 3, 15),
        dt.date(2021, 3, 15),
        dt.date(2022, 1, 1),
    )
    # 31 January by month: the month's last day, never a drift to the 28th.
    assert snapshot_dates(dt.date(2024, 1, 31), dt.date(2024, 4, 30), "month") == (
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
    )
    # An end on a step is not repeated.
    assert snapshot_dates(dt.date(2024, 1, 1), dt.date(2025, 1, 1), "quarter")[-2:] == (
        dt.date(2024, 10, 1),
        dt.date(2025, 1, 1),
    )


def test_more_dates_than_the_bound_are_refused():
    start = dt.date(2020, 1, 1)
    assert len(snapshot_dates(start, plus_months(start, MAX_SNAPSHOTS - 1), "month")) == (
        MAX_SNAPSHOTS
    )
    with pytest.raises(TooManyDates):
        snapshot_dates(start, plus_months(start, MAX_SNAPSHOTS), "month")
    with pytest.raises(ValueError):
        snapshot_dates(start, start, "year")


@given(
    start=st.dates(dt.date(1900, 1, 1), dt.date(2990, 1, 1)),
    days=st.integers(1, 6000),
    step=st.sampled_from(sorted(STEPS)),
)
def test_dates_are_increasing_on_the_steps_and_bounded(start, days, step):
    end = start + dt.timedelta(days=days)
    try:
        dates = snapshot_dates(start, end, step)
    except TooManyDates:
        assert plus_months(start, STEPS[step] * (MAX_SNAPSHOTS - 1)) < end
        return
    assert dates[0] == start and dates[-1] == end and len(dates) <= MAX_SNAPSHOTS
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    assert dates[1:-1] == tuple(
        plus_months(start, STEPS[step] * k) for k in range(1, len(dates) - 1)
    )


# --- core and top set -------------------------------------------------------------------------


def test_actors_entering_and_leaving_the_core():
    # First: triangle a1-a2-a3 (core number 2), a4 hangs on a3 (1), a5 alone (0).
    first = snap(graph_of(ties=[*clique("a1", "a2", "a3"), ("a3", "a4")], actors=["a5"]), FIRST)
    # Last: K4 on a2..a5 (core number 3), a1 hangs on a2 (1).
    last = snap(graph_of(ties=[*clique("a2", "a3", "a4", "a5"), ("a1", "a2")]), LAST)
    assert (first.core_k, first.core) == (2, ("a1", "a2", "a3"))
    assert (last.core_k, last.core) == (3, ("a2", "a3", "a4", "a5"))
    changes = compare(first, last)
    assert (changes.core.entered, changes.core.left) == (("a4", "a5"), ("a1",))
    assert changes.core.message_en == (
        "Between 2024-01-01 and 2026-01-01 the main core (core number 2 then 3) gained 2 "
        "actor(s) (A4, A5) and lost 1 (A1): involve those who entered in the renewal, they "
        "now hold the network together; ask those who left whether they are withdrawing."
    )
    assert changes.core.message_fr.startswith(
        "Entre le 01/01/2024 et le 01/01/2026, le noyau principal (indice de cœur 2 puis 3) "
        "a gagné 2 acteur(s) (A4, A5) et en a perdu 1 (A1)"
    )


def test_a_sentence_names_ten_actors_then_counts_the_others():
    # A triangle, then a 13-clique of new actors: 13 enter the core, 3 leave it.
    new = [f"a{i}" for i in range(4, 17)]
    first = snap(graph_of(ties=clique("a1", "a2", "a3"), actors=new), FIRST)
    last = snap(graph_of(ties=clique(*new), actors=["a1", "a2", "a3"]), LAST)
    changes = compare(first, last)
    assert changes.core.entered == tuple(new)  # the list itself stays complete
    shown = ", ".join(n.upper() for n in new[:NAMES_SHOWN])
    assert f"gained 13 actor(s) ({shown} and 3 others)" in changes.core.message_en
    assert f"a gagné 13 acteur(s) ({shown} et 3 autres)" in changes.core.message_fr
    assert "lost 3 (A1, A2, A3)" in changes.core.message_en


def test_the_top_pagerank_set_holds_actors_only_and_its_changes():
    # A star around a1 then around a6: the centre ranks first; bodies never enter the set.
    first = snap(
        graph_of(ties=[("a1", f"a{i}") for i in range(2, 13)], seats=[("a1", "b1")]), FIRST
    )
    last = snap(graph_of(ties=[("a6", f"a{i}") for i in range(1, 13) if i != 6]), LAST)
    assert first.top_pagerank[0][0] == "a1" and last.top_pagerank[0][0] == "a6"
    assert len(first.top_pagerank) == 10
    assert all(n.startswith("a") for n, _ in first.top_pagerank)
    changes = compare(first, last)
    entered, left = set(changes.top_pagerank.entered), set(changes.top_pagerank.left)
    assert not entered & left
    assert {n for n, _ in last.top_pagerank} == (
        {n for n, _ in first.top_pagerank} - left
    ) | entered


def test_same_core_says_so():
    g = graph_of(ties=clique("a1", "a2", "a3"))
    changes = compare(snap(g, FIRST), snap(g, LAST))
    assert changes.core.entered == changes.core.left == ()
    assert "kept the same actors" in changes.core.message_en


# --- communities --------------------------------------------------------------------------------


def test_two_circles_that_become_one_merged():
    two = graph_of(ties=[*clique("a1", "a2", "a3"), *clique("a4", "a5", "a6")])
    one = graph_of(ties=clique("a1", "a2", "a3", "a4", "a5", "a6"))
    changes = compare(snap(two, FIRST), snap(one, LAST))
    assert [(m.into, m.sources, m.shared) for m in changes.merges] == [(0, (0, 1), 6)]
    assert changes.splits == ()
    assert changes.merges[0].message_en.startswith("Communities 0, 1 of 2024-01-01 merged")


def test_one_circle_that_becomes_two_split():
    one = graph_of(ties=clique("a1", "a2", "a3", "a4", "a5", "a6"))
    two = graph_of(ties=[*clique("a1", "a2", "a3"), *clique("a4", "a5", "a6")])
    changes = compare(snap(one, FIRST), snap(two, LAST))
    assert [(s.source, s.parts, s.shared) for s in changes.splits] == [(0, (0, 1), 6)]
    assert changes.merges == ()
    assert changes.splits[0].message_fr.startswith("La communauté 0 du 01/01/2024 s'est scindée")


def bare(day, communities, bodies=()) -> Snapshot:
    return Snapshot(
        as_of=day,
        nodes=0,
        ties=0,
        communities=tuple(Community(i, len(m), tuple(m)) for i, m in enumerate(communities)),
        core_k=0,
        core=(),
        top_pagerank=(),
        bodies=tuple(bodies),
        labels=(),
    )


def test_half_is_not_more_than_half():
    # Each first-date pair sends exactly half of its members to each last-date pair.
    first = bare(FIRST, [["a1", "a2"], ["a3", "a4"]])
    last = bare(LAST, [["a1", "a3"], ["a2", "a4"]])
    changes = compare(first, last)
    assert changes.merges == changes.splits == ()


def test_newcomers_and_lone_nodes_do_not_make_a_merge():
    newcomers = [f"a{i}" for i in range(10, 20)]
    first = bare(FIRST, [["a1", "a2"], ["a3", "a4"], ["a9"]])
    last = bare(LAST, [["a1", "a2", "a3", "a4", "a9", *newcomers]])
    changes = compare(first, last)
    # a9 alone (fewer than MIN_MATCHED present at both dates) is not a source; the ten
    # newcomers, absent on the first date, do not dilute the overlap.
    assert [(m.into, m.sources, m.shared) for m in changes.merges] == [(0, (0, 1), 4)]


# --- interlocks and scores ----------------------------------------------------------------------


def test_bodies_whose_interlocks_grew():
    # First: b1 {a1, a2}, b2 {a3}, b3 {a4, a5} and b4 {a5}: b3 and b4 share a5.
    first = snap(
        graph_of(
            seats=[
                ("a1", "b1"),
                ("a2", "b1"),
                ("a3", "b2"),
                ("a4", "b3"),
                ("a5", "b3"),
                ("a5", "b4"),
            ]
        ),
        FIRST,
        scores=[BodyScore(f"b{i}", f"B{i}", None, (), ()) for i in range(1, 5)],
    )
    # Last: a3 joins b1 (b1 ∩ b2 = {a3}, b1 ∪ b2 = {a1, a2, a3}: Jaccard 1/3 for both);
    # b3 and b4 no longer share: not listed. Equal growth: by node order.
    last = snap(
        graph_of(
            seats=[
                ("a1", "b1"),
                ("a2", "b1"),
                ("a3", "b1"),
                ("a3", "b2"),
                ("a4", "b3"),
                ("a5", "b4"),
            ]
        ),
        LAST,
        scores=[BodyScore(f"b{i}", f"B{i}", None, (), ()) for i in range(1, 5)],
    )
    grew = compare(first, last).interlocks_grew
    assert [(g.body, g.linked_first, g.linked_last, g.jaccard_last) for g in grew] == [
        ("b1", 0, 1, round(1 / 3, 6)),
        ("b2", 0, 1, round(1 / 3, 6)),
    ]
    assert grew[0].message_en == (
        "B1 shared members with 0 other bodies on 2024-01-01 and 1 on 2026-01-01 (highest "
        "Jaccard 0.0% then 33.3%): the same people sit in more places; open its next "
        "renewal to newcomers."
    )


def state(body, score, **statuses) -> BodyState:
    indicators = tuple(IndicatorState(code, None, status) for code, status in statuses.items())
    return BodyState(body, body.upper(), score, (), indicators, 0, 0.0)


def test_score_moves_largest_first_with_the_indicators_that_changed():
    first = bare(
        FIRST,
        [],
        [
            state("b1", 20.0, vacancy="ok", mandate="ok"),
            state("b2", 50.0, vacancy="watch"),
            state("b3", 30.0, vacancy="ok"),
            state("b4", None, vacancy="unknown"),
            state("b5", 10.0),
        ],
    )
    last = bare(
        LAST,
        [],
        [
            state("b1", 70.0, vacancy="alert", mandate="ok"),
            state("b2", 40.0, vacancy="watch"),
            state("b3", 30.0, vacancy="ok"),
            state("b4", 10.0, vacancy="ok"),
            state("b6", 90.0),
        ],
    )
    moves = compare(first, last).score_moves
    # b3 did not move; b5 and b6 are not at both dates; b4's score was unknown: last.
    assert [(m.body, m.delta) for m in moves] == [("b1", 50.0), ("b2", -10.0), ("b4", None)]
    assert moves[0].changed == (StatusChange("vacancy", "ok", "alert"),)
    assert moves[0].message_en == (
        "The renewal score of B1 went from 20 to 70 (50 points) between 2024-01-01 and "
        "2026-01-01; indicators that changed status: vacancy."
    )
    assert "−10 points" in moves[1].message_fr
    assert moves[2].message_en.startswith("The renewal score of B4 is not known on both")


# --- scope, determinism, catalogues -------------------------------------------------------------


def test_hidden_actors_count_but_are_never_named():
    g = graph_of(ties=clique("a1", "a2", "a3"), seats=[("a3", "b1")])
    shown = snap(g, FIRST, hidden={"a3"})
    assert shown.nodes == 4
    assert "a3" not in shown.core and "a3" not in dict(shown.top_pagerank)
    assert all("a3" not in c.members for c in shown.communities)
    assert "a3" not in dict(shown.labels)
    assert sum(c.size for c in shown.communities) == 4


def test_the_same_graph_and_seed_give_the_same_snapshot():
    g = graph_of(ties=[*clique("a1", "a2", "a3"), *clique("a4", "a5", "a6"), ("a3", "a4")])
    assert take_snapshot(g, as_of=FIRST, seed=5, scores=()) == take_snapshot(
        g.copy(), as_of=FIRST, seed=5, scores=()
    )


def test_both_catalogues_hold_the_same_keys_and_placeholders():
    fields = string.Formatter()
    assert set(EN) == set(FR)
    for key in EN:
        assert {f[1] for f in fields.parse(EN[key]) if f[1]} == {
            f[1] for f in fields.parse(FR[key]) if f[1]
        }, key


def test_the_readme_states_the_declared_bounds():
    from pathlib import Path

    from graph.evolution import MIN_MATCHED, OVERLAP, TOP_PAGERANK

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = " ".join(readme.split("### Change over time", 1)[1].split("\n### ", 1)[0].split())
    assert f"most {MAX_SNAPSHOTS} dates (`graph.evolution.MAX_SNAPSHOTS`" in section
    assert f"the {TOP_PAGERANK} actors of highest PageRank" in section
    assert f"at least {MIN_MATCHED} such members (`graph.evolution.MIN_MATCHED`)" in section
    assert f"(`graph.evolution.OVERLAP` = {OVERLAP})" in section
    steps = [f"`{name}`" for name in STEPS]
    assert f"`step` is {', '.join(steps[:-1])} or {steps[-1]}" in section


def _partition(labels: list[int], prefix: str = "a") -> list[list[str]]:
    groups: dict[int, list[str]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(f"{prefix}{i + 1}")
    return [groups[k] for k in sorted(groups)]


@given(
    st.lists(st.integers(0, 4), min_size=1, max_size=25),
    st.lists(st.integers(0, 4), min_size=1, max_size=25),
)
def test_every_merge_and_split_is_backed_by_more_than_half_of_its_members(before, after):
    first, last = bare(FIRST, _partition(before)), bare(LAST, _partition(after))
    changes = compare(first, last)
    common = {m for c in first.communities for m in c.members} & {
        m for c in last.communities for m in c.members
    }

    def share(group: Community, other: Community) -> bool:
        present = [m for m in group.members if m in common]
        inside = [m for m in present if m in other.members]
        return len(present) >= 2 and len(inside) > 0.5 * len(present)

    sources = [s for m in changes.merges for s in m.sources]
    assert len(sources) == len(set(sources))
    for merge in changes.merges:
        assert len(merge.sources) >= 2
        assert all(share(first.communities[s], last.communities[merge.into]) for s in merge.sources)
    parts = [p for s in changes.splits for p in s.parts]
    assert len(parts) == len(set(parts))
    for split in changes.splits:
        assert len(split.parts) >= 2
        assert all(share(last.communities[p], first.communities[split.source]) for p in split.parts)
    # Nothing changes between a snapshot and itself.
    same = compare(first, first)
    assert same.merges == same.splits == ()
