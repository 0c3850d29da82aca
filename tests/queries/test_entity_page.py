"""The capped form of an entity (what its web page shows): all its outgoing facts, those of
a few of the statements that refer to it, and the number of those statements, on every
backend (the ``service`` and ``generated_service`` fixtures run once per backend)."""

from __future__ import annotations

import pytest

SEEDED = ["insme", "insme-steering-group", "ITH5", "ITH55", "C25", "IT", "doc-insme-proposal",
          "https://w3id.org/smekg/ontology#role-chair"]


def _statements(facts, direction: str = "in") -> set[tuple[str, str, str]]:
    return {(f.predicate, f.value, f.graph) for f in facts if f.direction == direction}


@pytest.mark.parametrize("entity", SEEDED)
def test_under_the_cap_the_page_has_every_fact(service, entity):
    full = service.entity(entity)
    page, count = service.entity_page(entity, incoming_limit=10_000)
    assert page == full
    assert count == len(_statements(full.facts))
    assert service.entity_in_count(entity) == count


@pytest.mark.parametrize("entity", SEEDED)
def test_the_halves_are_the_facts_of_entity(service, entity):
    full = service.entity(entity)
    out, incoming = service.entity_out(entity), service.entity_in(entity)
    assert out.facts == [f for f in full.facts if f.direction == "out"]
    assert incoming.facts == [f for f in full.facts if f.direction == "in"]
    assert out.model_copy(update={"facts": []}) == full.model_copy(update={"facts": []})


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_the_cap_keeps_the_outgoing_facts_and_counts_every_statement(service, limit):
    full = service.entity("ITH5")
    assert len(_statements(full.facts)) > 3
    page, count = service.entity_page("ITH5", incoming_limit=limit)
    assert count == len(_statements(full.facts))
    assert [f for f in page.facts if f.direction == "out"] == \
        [f for f in full.facts if f.direction == "out"]
    kept = _statements(page.facts)
    assert len(kept) == limit
    # every fact of a kept statement, each a fact of entity
    assert [f for f in page.facts if f.direction == "in"] == \
        [f for f in full.facts if f.direction == "in" and (f.predicate, f.value, f.graph) in kept]


def test_beyond_the_cap_of_a_generated_ecosystem(generated_service):
    index = generated_service.index
    country = max((c for c in index.tags if index.kind(c) == "country"),
                  key=lambda c: (len(index.served_by.get(c, ())), c))
    full = generated_service.entity(country)
    statements = _statements(full.facts)
    page, count = generated_service.entity_page(country, incoming_limit=5)
    assert count == len(statements) > 5
    kept = _statements(page.facts)
    assert len(kept) == 5 and kept <= statements
    assert [f for f in page.facts if f.direction == "out"] == \
        [f for f in full.facts if f.direction == "out"]
    assert all(f in full.facts for f in page.facts if f.direction == "in")
