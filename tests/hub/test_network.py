"""Network metrics, map data and exports on a small hand-built community whose answers are known.

      Ben(2) ── Ann(1) ── Eve(5)          Fay(6): nobody yet
                 │
               Cat(3) ── Dan(4) ── Gus(7, off the map)

Ann knows Ben and Cat, who have not met and both care about network mapping: one open triangle.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import networkx as nx
import pytest
import xmlschema

from hub import network
from hub.network import build_network, make_person
from tests.support import gexf_problems

SECRET = "test-secret"
AT = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
MAPPING = ("network-mapping", "Network mapping")
COPRO = ("co-production", "Co-production")
SAFETY = ("psychological-safety", "Psychological safety")
GARDEN = ("gardening", "Gardening")
BOM = "\ufeff"


def community():
    people = [
        make_person(SECRET, 1, "Ann", sector="nhs", nation="england", organisation="Org A", interests=[MAPPING, COPRO]),
        make_person(SECRET, 2, "Ben", sector="third_sector", nation="wales", interests=[MAPPING]),
        make_person(SECRET, 3, "Cat", sector="nhs", nation="scotland", interests=[MAPPING, SAFETY]),
        make_person(SECRET, 4, "Dan", sector="academia", nation="england", interests=[SAFETY]),
        make_person(SECRET, 5, "Eve", sector="nhs", nation="england", interests=[GARDEN]),
        make_person(SECRET, 6, "Fay", sector=None, nation="wales", interests=[MAPPING]),
        make_person(SECRET, 7, "Gus", sector="nhs", nation="england", interests=[SAFETY, MAPPING], on_map=False),
    ]
    connections = [
        (1, 2, "introduction", AT), (1, 2, "event_group", AT), (1, 3, "introduction", AT),
        (3, 4, "introduction", AT), (4, 7, "event_group", AT), (5, 1, "introduction", AT),
    ]
    return build_network(people, connections)


def test_degree_counts_people_met_not_connection_rows():
    assert network.degrees(community()) == {1: 3, 2: 1, 3: 2, 4: 2, 5: 1, 6: 0, 7: 1}


def test_betweenness_is_exact_on_a_small_network():
    values = network.betweenness(community())
    assert values[1] == pytest.approx(7 / 15)
    assert values[3] == pytest.approx(6 / 15)
    assert values[4] == pytest.approx(4 / 15)
    assert all(values[n] == 0 for n in (2, 5, 6, 7))


def test_betweenness_is_sampled_above_the_threshold_and_stays_deterministic():
    net = community()
    first = network.betweenness(net, exact_up_to=3, samples=4)
    assert first == network.betweenness(net, exact_up_to=3, samples=4)
    assert set(first) == set(net.graph)


def test_isolates_are_members_with_no_connection():
    assert network.isolates(community()) == [6]


def test_open_triangle_needs_a_common_contact_no_link_and_a_shared_interest():
    [triangle] = network.open_triangles(community())
    assert (triangle.b, triangle.c, triangle.via, triangle.shared) == (2, 3, (1,), ("Network mapping",))


def test_members_off_the_map_never_make_an_open_triangle():
    people = list(community().people.values())
    # Dan knows Cat and Gus, who share an interest (psychological safety), but Gus is off the map.
    net = build_network(people, [(3, 4, "introduction", AT), (4, 7, "introduction", AT)])
    assert network.open_triangles(net) == []
    assert network.triangle_between(net, 3, 7) is None


def test_open_triangles_can_leave_out_pairs_already_offered():
    assert network.open_triangles(community(), exclude={(2, 3)}) == []


def test_clusters_are_components_and_communities_of_connected_members():
    groups = network.clusters(community())
    assert groups["components"] == [[1, 2, 3, 4, 5, 7]]
    assert sorted(m for c in groups["communities"] for m in c) == [1, 2, 3, 4, 5, 7]


def test_share_connected_and_share_crossing_sectors():
    net = community()
    assert network.share_connected(net) == pytest.approx(6 / 7)
    # Known-sector pairs: Ann-Ben (crosses), Ann-Cat, Ann-Eve, Cat-Dan (crosses); Dan-Gus has a hidden sector.
    assert network.share_cross_sector(net) == pytest.approx(0.5)


def test_metrics_of_an_empty_network_are_zero_not_errors():
    metrics = network.compute_metrics(build_network([], []))
    assert (metrics.members, metrics.connections, metrics.share_connected, metrics.share_cross_sector) == (0, 0, 0.0, None)


def test_map_data_filters_by_sector_nation_and_interest():
    net = community()
    everyone = network.map_data(net)
    assert len(everyone["nodes"]) == 7 and len(everyone["edges"]) == 5
    nhs = network.map_data(net, sector="nhs")
    assert [n["label"] for n in nhs["nodes"]] == ["Ann", "Cat", "Eve"]
    assert {(e["source"], e["target"]) for e in nhs["edges"]} == {("m1", "m3"), ("m1", "m5")}
    assert [n["label"] for n in network.map_data(net, nation="wales")["nodes"]] == ["Ben", "Fay"]
    mapping = network.map_data(net, interest="network-mapping", nation="england")
    assert [n["label"] for n in mapping["nodes"]] == ["Ann"]


def test_map_data_shows_members_off_the_map_only_as_anonymous_dots():
    data = network.map_data(community())
    [gus] = [n for n in data["nodes"] if n["anonymous"]]
    assert gus["label"].startswith("Anonymous member ") and gus["id"].startswith("anon-")
    assert (gus["sector"], gus["nation"], gus["interests"]) == ("", "", [])
    assert "Gus" not in json.dumps(data) and "m7" not in json.dumps(data)
    # A filter on what they hid never finds them.
    assert all(not n["anonymous"] for n in network.map_data(community(), sector="nhs")["nodes"])


def test_map_data_draws_the_best_connected_when_too_many_match():
    data = network.map_data(community(), max_nodes=2)
    assert data["truncated"] and data["matched"] == 7
    assert [n["label"] for n in data["nodes"]] == ["Ann", "Cat"]


def test_anonymous_keys_are_stable_and_not_the_member_id():
    assert network.anonymous_code(SECRET, 7) == network.anonymous_code(SECRET, 7)
    assert network.anonymous_code(SECRET, 7) != network.anonymous_code("another-secret", 7)


# --- Exports --------------------------------------------------------------------------------------


def sheet(text: str) -> str:
    """The CSV as a reader that knows the UTF-8 BOM (Excel, Python's utf-8-sig) sees it."""
    return text.encode("utf-8").decode("utf-8-sig")


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(sheet(text))))


def test_kumu_element_csv_has_exactly_kumus_columns_with_pipe_separated_tags():
    text = network.kumu_elements_csv(community())
    assert sheet(text).splitlines()[0] == "ID,Label,Type,Tags,Description"
    ann = rows(text)[0]
    assert ann == {"ID": "m1", "Label": "Ann", "Type": "NHS", "Tags": "Co-production|Network mapping",
                   "Description": "Org A · England"}


def test_kumu_connection_csv_has_kumus_columns_and_one_id_per_pair_and_kind():
    text = network.kumu_connections_csv(community())
    assert sheet(text).splitlines()[0] == "ID,From,To,Type,Strength,Direction"
    found = rows(text)
    assert len(found) == 6
    ids = [r["ID"] for r in found]
    assert len(set(ids)) == 6 and all("_" not in i for i in ids)  # Kumu's search breaks on underscores
    assert {"ID": "event-group-m1-m2", "From": "m1", "To": "m2", "Type": "Event group", "Strength": "1",
            "Direction": "undirected"} in found
    # Connections refer to element IDs, as Kumu requires once elements have IDs.
    element_ids = {r["ID"] for r in rows(network.kumu_elements_csv(community()))}
    assert {r["From"] for r in found} | {r["To"] for r in found} <= element_ids


def test_kumu_draws_every_connection_undirected_from_the_sheet_as_from_the_blueprint():
    # Without a Direction column Kumu draws each connection as an arrow from "From" to "To", but
    # meeting someone goes both ways.
    sheet_rows = rows(network.kumu_connections_csv(community()))
    assert sheet_rows and {r["Direction"] for r in sheet_rows} == {"undirected"}
    assert {c["direction"] for c in json.loads(network.kumu_json(community()))["connections"]} == {"undirected"}


@pytest.mark.parametrize("writer", [network.kumu_elements_csv, network.kumu_connections_csv])
def test_csv_exports_start_with_one_utf8_bom_so_excel_reads_them_as_utf8(writer):
    text = writer(community())
    assert text.startswith(BOM) and BOM not in text[1:]
    assert list(csv.DictReader(io.StringIO(sheet(text))).fieldnames)[0] == "ID"  # not "\ufeffID"


def test_names_with_accents_survive_the_round_trip_through_a_bom_aware_reader():
    people = [make_person(SECRET, 1, "Siân Café", sector="nhs", interests=[("llwyn", "Llŵyn")])]
    data = network.kumu_elements_csv(build_network(people, [])).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    [row] = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert (row["ID"], row["Label"], row["Tags"]) == ("m1", "Siân Café", "Llŵyn")


def test_kumu_export_ids_are_the_same_on_a_second_export_so_reimport_updates():
    assert network.kumu_elements_csv(community()) == network.kumu_elements_csv(community())
    assert network.kumu_json(community()) == network.kumu_json(community())


def test_kumu_json_is_a_blueprint_with_elements_and_connections():
    blueprint = json.loads(network.kumu_json(community()))
    assert set(blueprint) == {"elements", "connections"}
    assert set(blueprint["elements"][0]) == {"id", "label", "type", "tags", "description"}
    assert blueprint["elements"][0]["tags"] == ["Co-production", "Network mapping"]
    assert set(blueprint["connections"][0]) == {"id", "from", "to", "type", "strength", "direction"}
    element_ids = {e["id"] for e in blueprint["elements"]}
    assert all(c["from"] in element_ids and c["to"] in element_ids for c in blueprint["connections"])


@pytest.mark.parametrize("reader,writer", [(nx.read_gexf, network.gexf), (nx.read_graphml, network.graphml)])
def test_gephi_exports_read_back_with_networkx(reader, writer):
    graph = reader(io.BytesIO(writer(community())))
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 5
    ann = graph.nodes["m1"]
    assert (ann["label"], ann["sector"], ann["nation"]) == ("Ann", "NHS", "England")
    assert graph.edges["m1", "m2"]["weight"] == 2.0


def test_gexf_is_valid_against_the_official_gexf_1_2draft_schema():
    data = network.gexf(community())
    assert gexf_problems(data) == []
    # The schema is strict: the check does find what it does not allow (networkx writes graph/@name).
    assert gexf_problems(data.replace(b'<graph ', b'<graph name="" ', 1)) != []


def test_gexf_writes_interests_and_kinds_as_liststring_attributes():
    data = network.gexf(community())
    ns = {"g": "http://www.gexf.net/1.2draft"}
    root = xmlschema.XMLResource(io.BytesIO(data)).root
    types = {a.get("title"): a.get("type") for a in root.iterfind(".//g:attributes/g:attribute", ns)}
    assert types == {"sector": "string", "nation": "string", "organisation": "string", "interests": "liststring",
                     "kinds": "liststring"}
    graph = nx.read_gexf(io.BytesIO(data))
    assert graph.nodes["m1"]["interests"].split("|") == ["Co-production", "Network mapping"]
    assert graph.edges["m1", "m2"]["kinds"].split("|") == ["event_group", "introduction"]


@pytest.mark.parametrize("writer", [network.gexf, network.graphml])
def test_gephi_exports_keep_members_off_the_map_anonymous(writer):
    data = writer(community())
    assert b"Gus" not in data
    graph = (nx.read_gexf if writer is network.gexf else nx.read_graphml)(io.BytesIO(data))
    [anon] = [n for n in graph if n.startswith("anon-")]
    assert set(graph.nodes[anon]) == {"label"} and graph.degree(anon) == 1


def test_kumu_exports_keep_members_off_the_map_anonymous():
    net = community()
    for text in (network.kumu_elements_csv(net), network.kumu_connections_csv(net), network.kumu_json(net)):
        assert "Gus" not in text and "m7" not in text
    [gus] = [r for r in rows(network.kumu_elements_csv(net)) if r["ID"].startswith("anon-")]
    assert (gus["Type"], gus["Tags"], gus["Description"]) == ("Anonymous", "", "")


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    people = [make_person(SECRET, 1, "=HYPERLINK(\"x\")", sector="nhs")]
    assert rows(network.kumu_elements_csv(build_network(people, [])))[0]["Label"] == "'=HYPERLINK(\"x\")"


def test_betweenness_and_clusters_are_reused_only_while_the_network_keeps_its_shape():
    network._STRUCTURE_CACHE.clear()
    net = community()
    first = network.compute_metrics(net)
    assert network.compute_metrics(community()).betweenness is first.betweenness
    people = list(net.people.values())
    changed = build_network(people, [(1, 2, "introduction", AT), (2, 6, "introduction", AT)])
    assert network.compute_metrics(changed).betweenness[2] > 0


@pytest.mark.parametrize("seed", range(4))
def test_batched_brandes_gives_networkx_betweenness_exactly(seed):
    graph = nx.gnm_random_graph(40 + 10 * seed, 60 + 20 * seed, seed=seed)
    graph.add_nodes_from([1000, 1001])  # isolates, and more than one component
    graph.add_edge(1002, 1003)
    nodes = list(graph)
    mine = network.brandes_batched(graph, nodes, batch=7)
    expected = nx.betweenness_centrality(graph, normalized=True)
    assert mine == pytest.approx(expected, abs=1e-12)


def test_sampled_betweenness_over_every_source_is_the_exact_one():
    graph = nx.gnm_random_graph(50, 90, seed=3)
    nodes = list(graph)
    assert network.brandes_batched(graph, nodes, sources=list(range(50))) == pytest.approx(
        nx.betweenness_centrality(graph, normalized=True), abs=1e-12)


def test_cached_open_triangles_follow_exclusions_and_changed_interests():
    network._TRIANGLE_CACHE.clear()
    net = community()
    assert len(network.compute_metrics(net).open_triangles) == 1
    assert network.compute_metrics(net, exclude={(2, 3)}).open_triangles == []
    people = [p if p.id != 2 else make_person(SECRET, 2, "Ben", sector="third_sector", interests=[GARDEN])
              for p in net.people.values()]
    rebuilt = build_network(people, [(a, b, k) for (a, b), e in net.edges.items() for k in e.kinds])
    # Ben now shares gardening with Eve, not network mapping with Cat.
    [t] = network.compute_metrics(rebuilt).open_triangles
    assert (t.b, t.c, t.shared) == (2, 5, ("Gardening",))
