"""The network of who has met whom: loaded from `Connection` rows, measured with networkx, drawn and exported.

One rule about consent runs through every view of the network: a member whose preference says
`on_map=False` is *anonymised* (the structure stays, so the numbers stay true): they appear as
"Anonymous member <code>" with no sector, nation, organisation or interests, under a stable key
derived from the hub's secret (so a re-import into Kumu updates rather than duplicates, and the
key cannot be turned back into a member id). The same `Person.key`/`Person.label` feed the map,
the metrics lists, every export and the CSV reports. Open triangles that involve such a member are
not offered: their connections are not used to make new suggestions.

Who is in the network: active members. Connections touching a member who is not active are left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from typing import Iterable

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter
from sqlalchemy import and_, case, func, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Conflict, InvalidInput, NotFound
from hub.models import (
    NATIONS,
    SECTORS,
    Connection,
    Exchange,
    FollowUpAnswer,
    Introduction,
    Member,
    MemberPreference,
    Suggestion,
    Tag,
    member_interest,
)

#: Above this many members, betweenness is estimated from this many sampled sources (Brandes with k).
BETWEENNESS_EXACT_UP_TO = 2000
BETWEENNESS_SAMPLES = 256
#: Betweenness and clusters depend only on who is connected to whom: kept per process for the last few
#: network shapes, so a second look at an unchanged network does not pay for them again.
_STRUCTURE_CACHE: dict[int, tuple[dict[int, float], dict]] = {}
_STRUCTURE_CACHE_SIZE = 4
_TRIANGLE_CACHE: dict[int, list] = {}
KIND_LABELS = {"introduction": "Introduction", "event_group": "Event group"}


@dataclass(frozen=True)
class Person:
    id: int
    key: str  # "m17", or "anon-<code>" for an anonymised member
    label: str
    sector: str = ""  # slug
    nation: str = ""  # slug
    organisation: str = ""
    interests: tuple[str, ...] = ()  # labels
    interest_slugs: frozenset[str] = frozenset()
    on_map: bool = True

    @property
    def sector_label(self) -> str:
        return SECTORS.get(self.sector, "")

    @property
    def nation_label(self) -> str:
        return NATIONS.get(self.nation, "")


@dataclass
class Edge:
    a: int
    b: int
    kinds: Counter = field(default_factory=Counter)  # kind -> how many connections of that kind


@dataclass
class Network:
    people: dict[int, Person]
    edges: dict[tuple[int, int], Edge]
    graph: nx.Graph

    @property
    def size(self) -> int:
        return self.graph.number_of_nodes()


def anonymous_code(secret: str, member_id: int) -> str:
    return hmac.new(secret.encode(), f"network-anon:{member_id}".encode(), hashlib.sha256).hexdigest()[:8]


def make_person(
    secret: str, member_id: int, name: str, *, sector: str | None = None, nation: str | None = None,
    organisation: str = "", interests: Iterable[tuple[str, str]] = (), on_map: bool = True,
) -> Person:
    """`interests` are (slug, label) pairs. Anonymised people keep nothing but a stable pseudonym."""
    if not on_map:
        code = anonymous_code(secret, member_id)
        return Person(id=member_id, key=f"anon-{code}", label=f"Anonymous member {code}", on_map=False)
    pairs = sorted(set(interests), key=lambda p: p[1].lower())
    return Person(
        id=member_id, key=f"m{member_id}", label=name or "New member", sector=sector or "", nation=nation or "",
        organisation=organisation or "", interests=tuple(label for _, label in pairs),
        interest_slugs=frozenset(slug for slug, _ in pairs), on_map=True,
    )


def build_network(people: Iterable[Person], connections: Iterable[tuple]) -> Network:
    """Pure: people and (a_id, b_id, kind, ...) rows in, a Network out."""
    by_id = {p.id: p for p in people}
    graph = nx.Graph()
    graph.add_nodes_from(sorted(by_id))
    edges: dict[tuple[int, int], Edge] = {}
    for a, b, kind, *_ in connections:
        if a == b or a not in by_id or b not in by_id:
            continue
        pair = (a, b) if a < b else (b, a)
        edge = edges.get(pair)
        if edge is None:
            edge = edges[pair] = Edge(*pair)
        edge.kinds[kind] += 1
    for (a, b), edge in edges.items():
        graph.add_edge(a, b, weight=sum(edge.kinds.values()))
    return Network(people=by_id, edges=edges, graph=graph)


async def load_network(db: AsyncSession, secret: str, around: tuple[int, ...] | None = None) -> Network:
    """Everything the network needs in four queries, whatever the size of the community. With
    `around`, only those members, their connections and the people at the other end (enough to
    check one triangle without reading the whole network)."""
    connection_query = select(Connection.a_id, Connection.b_id, Connection.kind)
    member_query = select(Member.id, Member.name, Member.sector, Member.nation, Member.organisation)
    hidden_query = select(MemberPreference.member_id).where(MemberPreference.on_map.is_(False))
    interest_query = select(member_interest.c.member_id, Tag.slug, Tag.label).join(Tag, Tag.id == member_interest.c.tag_id)
    if around is not None:
        connection_query = connection_query.where(or_(Connection.a_id.in_(around), Connection.b_id.in_(around)))
    connections = (await db.execute(connection_query)).all()
    if around is not None:
        ids = set(around) | {c.a_id for c in connections} | {c.b_id for c in connections}
        member_query = member_query.where(Member.id.in_(ids))
        hidden_query = hidden_query.where(MemberPreference.member_id.in_(ids))
        interest_query = interest_query.where(member_interest.c.member_id.in_(ids))
    rows = (await db.execute(member_query.where(Member.status == "active"))).all()
    hidden = set((await db.scalars(hidden_query)).all())
    interests: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for member_id, slug, label in (await db.execute(interest_query)).all():
        interests[member_id].append((slug, label))
    people = [
        make_person(secret, r.id, r.name, sector=r.sector, nation=r.nation, organisation=r.organisation,
                    interests=interests.get(r.id, ()), on_map=r.id not in hidden)
        for r in rows
    ]
    return build_network(people, connections)


# --- Metrics ---------------------------------------------------------------------------------


def degrees(net: Network) -> dict[int, int]:
    return dict(net.graph.degree())


def betweenness(net: Network, exact_up_to: int = BETWEENNESS_EXACT_UP_TO, samples: int = BETWEENNESS_SAMPLES) -> dict[int, float]:
    """Normalised betweenness (as networkx's `betweenness_centrality(normalized=True)`); above
    `exact_up_to` members, estimated from `samples` sources drawn with a fixed seed, so the page
    shows the same numbers each time."""
    nodes = list(net.graph.nodes())
    n = len(nodes)
    if n <= exact_up_to or samples >= n:
        return brandes_batched(net.graph, nodes)
    import random

    sources = random.Random(0).sample(range(n), samples)
    return brandes_batched(net.graph, nodes, sources)


def brandes_batched(graph: nx.Graph, nodes: list, sources: list[int] | None = None, batch: int = 128) -> dict:
    """Brandes' betweenness for an unweighted, undirected graph, many sources at a time: each BFS
    level of a batch is one sparse-matrix product (the linear-algebra form of the algorithm), so
    the work runs in scipy rather than in a Python loop per node. `sources` are node indices
    (default: all, i.e. exact); a sample is scaled by n / k like networkx's estimate."""
    import numpy as np
    import scipy.sparse as sp

    n = len(nodes)
    if n <= 2:
        return {v: 0.0 for v in nodes}
    index = {v: i for i, v in enumerate(nodes)}
    rows, cols = [], []
    for u, v in graph.edges():
        if u != v:
            rows += (index[u], index[v])
            cols += (index[v], index[u])
    adjacency = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    order = list(range(n)) if sources is None else list(sources)
    total = np.zeros(n)
    for start in range(0, len(order), batch):
        chosen = np.array(order[start:start + batch])
        b = len(chosen)
        cols_b = np.arange(b)
        sigma = np.zeros((n, b))
        depth = np.full((n, b), -1, dtype=np.int32)
        sigma[chosen, cols_b] = 1.0
        depth[chosen, cols_b] = 0
        frontier = sigma.copy()
        level = 0
        while True:
            reached = adjacency @ frontier
            new = (reached > 0) & (depth < 0)
            if not new.any():
                break
            level += 1
            sigma[new] = reached[new]
            depth[new] = level
            frontier = np.where(new, reached, 0.0)
        delta = np.zeros((n, b))
        with np.errstate(divide="ignore", invalid="ignore"):
            for d in range(level, 0, -1):
                coef = np.where(depth == d, (1.0 + delta) / sigma, 0.0)
                delta += np.where(depth == d - 1, sigma * (adjacency @ coef), 0.0)
        delta[chosen, cols_b] = 0.0
        total += delta.sum(axis=1)
    scale = 1.0 / ((n - 1) * (n - 2))
    if sources is not None:
        scale *= n / len(order)
    return {v: float(total[i] * scale) for i, v in enumerate(nodes)}


def isolates(net: Network) -> list[int]:
    return sorted(nx.isolates(net.graph))


def share_connected(net: Network) -> float:
    if net.size == 0:
        return 0.0
    return sum(1 for _, d in net.graph.degree() if d > 0) / net.size


def is_cross_sector(a: Person, b: Person) -> bool | None:
    """None when either sector is unknown (or hidden): such a connection is not counted either way."""
    if not a.sector or not b.sector:
        return None
    return a.sector != b.sector


def share_cross_sector(net: Network) -> float | None:
    """Of the connected pairs whose two sectors are known, the share that cross sectors."""
    known = crossing = 0
    for a, b in net.graph.edges():
        verdict = is_cross_sector(net.people[a], net.people[b])
        if verdict is not None:
            known += 1
            crossing += verdict
    return crossing / known if known else None


@dataclass(frozen=True)
class OpenTriangle:
    """`via` knows both `b` and `c`; `b` and `c` have not met but share `shared` interests."""

    b: int
    c: int
    via: tuple[int, ...]  # everyone who knows both, fewest-connected first is not needed: sorted by id
    shared: tuple[str, ...]  # interest labels


def open_triangles(net: Network, limit: int | None = 200, exclude: set[tuple[int, int]] | frozenset = frozenset()) -> list[OpenTriangle]:
    """Pairs (b, c) with a common contact, no connection between them and at least one shared
    interest. Anonymised members are never part of one. Most common contacts first, then most
    shared interests, then ids (deterministic). `exclude` holds ordered pairs not to offer again."""
    graph = net.graph
    vias: dict[tuple[int, int], list[int]] = defaultdict(list)
    for a in graph.nodes():
        if not net.people[a].on_map:
            continue
        neighbours = sorted(n for n in graph.adj[a] if net.people[n].on_map and net.people[n].interest_slugs)
        for b, c in combinations(neighbours, 2):
            if c in graph.adj[b] or (b, c) in exclude:
                continue
            if net.people[b].interest_slugs & net.people[c].interest_slugs:
                vias[(b, c)].append(a)
    found = []
    for (b, c), via in vias.items():
        pb, pc = net.people[b], net.people[c]
        shared = tuple(label for label in pb.interests if label in set(pc.interests))
        found.append(OpenTriangle(b=b, c=c, via=tuple(via), shared=shared))
    found.sort(key=lambda t: (-len(t.via), -len(t.shared), t.b, t.c))
    return found if limit is None else found[:limit]


def triangle_between(net: Network, b: int, c: int) -> OpenTriangle | None:
    """The open triangle over the pair (b, c), if there is one now (same rules as `open_triangles`)."""
    b, c = min(b, c), max(b, c)
    graph, people = net.graph, net.people
    if b not in graph or c not in graph or c in graph.adj[b] or not (people[b].on_map and people[c].on_map):
        return None
    shared_slugs = people[b].interest_slugs & people[c].interest_slugs
    via = tuple(sorted(a for a in nx.common_neighbors(graph, b, c) if people[a].on_map))
    if not shared_slugs or not via:
        return None
    shared = tuple(label for label in people[b].interests if label in set(people[c].interests))
    return OpenTriangle(b=b, c=c, via=via, shared=shared)


def clusters(net: Network) -> dict:
    """Connected components (of two or more members) and Louvain communities (fixed seed)."""
    components = sorted((sorted(c) for c in nx.connected_components(net.graph) if len(c) > 1), key=lambda c: (-len(c), c[0]))
    connected = net.graph.subgraph([n for n, d in net.graph.degree() if d > 0])
    communities: list[list[int]] = []
    modularity = None
    if connected.number_of_edges():
        found = nx.community.louvain_communities(connected, seed=0)
        communities = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
        modularity = nx.community.modularity(connected, found)
    return {"components": components, "communities": communities, "modularity": modularity}


@dataclass
class Metrics:
    members: int
    connections: int
    degree: dict[int, int]
    betweenness: dict[int, float]
    betweenness_estimated: bool
    isolates: list[int]
    open_triangles: list[OpenTriangle]
    open_triangle_count: int
    components: list[list[int]]
    communities: list[list[int]]
    modularity: float | None
    share_connected: float
    share_cross_sector: float | None

    def top(self, values: dict[int, float], n: int = 10) -> list[tuple[int, float]]:
        return sorted(((k, v) for k, v in values.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))[:n]


def structure_key(net: Network) -> int:
    return hash((tuple(net.graph.nodes()), tuple(sorted(net.edges))))


def structural_metrics(net: Network) -> tuple[dict[int, float], dict]:
    """(betweenness, clusters), from the per-process cache when the network's shape has not changed."""
    key = structure_key(net)
    found = _STRUCTURE_CACHE.get(key)
    if found is None:
        found = (betweenness(net), clusters(net))
        while len(_STRUCTURE_CACHE) >= _STRUCTURE_CACHE_SIZE:
            _STRUCTURE_CACHE.pop(next(iter(_STRUCTURE_CACHE)))
        _STRUCTURE_CACHE[key] = found
    return found


def cached_open_triangles(net: Network) -> list[OpenTriangle]:
    """All open triangles, kept per process while the network and everyone's interests and
    choices stay the same."""
    key = hash((structure_key(net), tuple((p.id, p.on_map, tuple(sorted(p.interest_slugs))) for p in net.people.values())))
    found = _TRIANGLE_CACHE.get(key)
    if found is None:
        found = open_triangles(net, limit=None)
        _TRIANGLE_CACHE.clear()
        _TRIANGLE_CACHE[key] = found
    return found


def compute_metrics(
    net: Network, triangle_limit: int = 50, exclude: set[tuple[int, int]] | frozenset = frozenset(), cached: bool = True
) -> Metrics:
    if cached:
        triangles = [t for t in cached_open_triangles(net) if (t.b, t.c) not in exclude]
    else:
        triangles = open_triangles(net, limit=None, exclude=exclude)
    between, groups = structural_metrics(net) if cached else (betweenness(net), clusters(net))
    return Metrics(
        members=net.size, connections=net.graph.number_of_edges(), degree=degrees(net),
        betweenness=between, betweenness_estimated=net.size > BETWEENNESS_EXACT_UP_TO,
        isolates=isolates(net), open_triangles=triangles[:triangle_limit], open_triangle_count=len(triangles),
        components=groups["components"], communities=groups["communities"], modularity=groups["modularity"],
        share_connected=share_connected(net), share_cross_sector=share_cross_sector(net),
    )


# --- Map data ----------------------------------------------------------------------------------


def map_data(net: Network, sector: str = "", nation: str = "", interest: str = "", max_nodes: int = 2000) -> dict:
    """Nodes and edges for the drawing, filtered by sector, nation and interest (a slug). Filters
    keep the members that match all of them, and the connections among those. Above `max_nodes`
    matching members, only the best-connected are drawn (`truncated` says so)."""
    keep = [
        p for p in net.people.values()
        if (not sector or p.sector == sector) and (not nation or p.nation == nation)
        and (not interest or interest in p.interest_slugs)
    ]
    deg = net.graph.degree
    matched = len(keep)
    if matched > max_nodes:
        keep = sorted(keep, key=lambda p: (-deg[p.id], p.id))[:max_nodes]
    keep.sort(key=lambda p: p.id)
    ids = {p.id for p in keep}
    nodes = [
        {"id": p.key, "label": p.label, "sector": p.sector_label, "nation": p.nation_label,
         "interests": list(p.interests), "degree": deg[p.id], "anonymous": not p.on_map}
        for p in keep
    ]
    edges = []
    for (a, b), edge in sorted(net.edges.items()):
        if a in ids and b in ids:
            edges.append({
                "id": f"{net.people[a].key}-{net.people[b].key}", "source": net.people[a].key,
                "target": net.people[b].key, "kinds": sorted(edge.kinds), "weight": sum(edge.kinds.values()),
            })
    return {"nodes": nodes, "edges": edges, "matched": matched, "truncated": matched > len(keep)}


# --- Exports ------------------------------------------------------------------------------------

KUMU_ELEMENT_COLUMNS = ["ID", "Label", "Type", "Tags", "Description"]
KUMU_CONNECTION_COLUMNS = ["ID", "From", "To", "Type", "Strength", "Direction"]
#: Excel reads a CSV in the machine's legacy code page unless it starts with the UTF-8 byte order mark
#: ("Siân" becomes "SiÃ¢n"); BOM-aware readers (Python's utf-8-sig, for one) skip it.
CSV_BOM = "\ufeff"
#: Graph attributes that hold several values: GEXF's `liststring`, values joined by "|" (as in Kumu's Tags).
LIST_ATTRIBUTES = ("interests", "kinds")


def _spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(header: list[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_spreadsheet_safe(v) for v in row])
    return out.getvalue()


def _kumu_type(p: Person) -> str:
    if not p.on_map:
        return "Anonymous"
    return p.sector_label or "Sector not given"


def _description(p: Person) -> str:
    return " · ".join(x for x in (p.organisation, p.nation_label) if x)


def kumu_elements(net: Network) -> list[dict]:
    """Kumu element records (ID, Label, Type = sector, Tags = interests, Description = organisation · nation)."""
    return [
        {"ID": p.key, "Label": p.label, "Type": _kumu_type(p), "Tags": list(p.interests), "Description": _description(p)}
        for p in sorted(net.people.values(), key=lambda p: p.id)
    ]


def kumu_connections(net: Network) -> list[dict]:
    """One Kumu connection per pair and kind, Strength = how many times (e.g. several event groups).
    IDs are built from the two element IDs and the kind, so a re-import updates them."""
    out = []
    for (a, b), edge in sorted(net.edges.items()):
        ka, kb = net.people[a].key, net.people[b].key
        for kind in sorted(edge.kinds):
            out.append({
                "ID": f"{kind.replace('_', '-')}-{ka}-{kb}", "From": ka, "To": kb,
                "Type": KIND_LABELS.get(kind, kind), "Strength": edge.kinds[kind],
                "Direction": "undirected",  # meeting goes both ways; Kumu's default would draw an arrow
            })
    return out


def kumu_elements_csv(net: Network) -> str:
    return _csv(KUMU_ELEMENT_COLUMNS, (
        [e["ID"], e["Label"], e["Type"], "|".join(e["Tags"]), e["Description"]] for e in kumu_elements(net)
    ))


def kumu_connections_csv(net: Network) -> str:
    return _csv(KUMU_CONNECTION_COLUMNS, ([c[k] for k in KUMU_CONNECTION_COLUMNS] for c in kumu_connections(net)))


def kumu_json(net: Network) -> str:
    """A Kumu blueprint: {"elements": [...], "connections": [...]} with Kumu's own (lower-case) keys,
    tags as a list, ids as in the CSV, and undirected connections."""
    elements = [
        {"id": e["ID"], "label": e["Label"], "type": e["Type"], "tags": e["Tags"], "description": e["Description"]}
        for e in kumu_elements(net)
    ]
    connections = [
        {"id": c["ID"], "from": c["From"], "to": c["To"], "type": c["Type"], "strength": c["Strength"],
         "direction": c["Direction"]}
        for c in kumu_connections(net)
    ]
    return json.dumps({"elements": elements, "connections": connections}, ensure_ascii=False, indent=1)


def export_graph(net: Network) -> nx.Graph:
    """The graph as Gephi should see it: string node ids (the same keys as Kumu), label, sector,
    nation (and organisation, interests) for members on the map; only a label for anonymised ones."""
    g = nx.Graph()
    for p in sorted(net.people.values(), key=lambda p: p.id):
        attrs = {"label": p.label}
        if p.on_map:
            attrs.update(sector=p.sector_label, nation=p.nation_label, organisation=p.organisation,
                         interests="|".join(p.interests))
        g.add_node(p.key, **attrs)
    for (a, b), edge in sorted(net.edges.items()):
        g.add_edge(net.people[a].key, net.people[b].key, weight=float(sum(edge.kinds.values())),
                   kinds="|".join(sorted(edge.kinds)))
    return g


def gexf(net: Network) -> bytes:
    """GEXF 1.2draft that the official XSD accepts: networkx's writer, less the `graph/@name` that
    the schema does not allow (networkx always writes one), with the list attributes as `liststring`."""
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(export_graph(net))
    graph = writer.graph_element
    graph.attrib.pop("name", None)
    for attribute in graph.iter("attribute"):
        if attribute.get("title") in LIST_ATTRIBUTES:
            attribute.set("type", "liststring")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def graphml(net: Network) -> bytes:
    out = io.BytesIO()
    nx.write_graphml(export_graph(net), out)
    return out.getvalue()


async def _people_by_id(db: AsyncSession, secret: str, ids: set[int]) -> dict[int, Person]:
    """Name and sector of any member (active or not) for the reports, anonymised where asked."""
    if not ids:
        return {}
    hidden = set((await db.scalars(
        select(MemberPreference.member_id).where(MemberPreference.on_map.is_(False), MemberPreference.member_id.in_(ids))
    )).all())
    rows = (await db.execute(select(Member.id, Member.name, Member.sector).where(Member.id.in_(ids)))).all()
    return {r.id: make_person(secret, r.id, r.name, sector=r.sector, on_map=r.id not in hidden) for r in rows}


def _iso(value: dt.datetime | None) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


INTRODUCTION_REPORT_COLUMNS = [
    "introduction_id", "created_at", "sent_at", "status", "member_a", "sector_a", "member_b", "sector_b",
    "introduced_by", "hours_recorded",
]
HOURS_REPORT_COLUMNS = ["exchange_id", "at", "giver", "giver_sector", "receiver", "receiver_sector", "hours", "source", "introduction_id"]


async def introductions_csv(db: AsyncSession, secret: str) -> str:
    intros = (await db.execute(
        select(Introduction.id, Introduction.created_at, Introduction.sent_at, Introduction.status,
               Introduction.a_id, Introduction.b_id, Introduction.introduced_by_id).order_by(Introduction.id)
    )).all()
    hours = dict((await db.execute(
        select(Exchange.introduction_id, func.sum(Exchange.hours))
        .where(Exchange.introduction_id.is_not(None), Exchange.status == "confirmed").group_by(Exchange.introduction_id)
    )).all())
    ids = {i for x in intros for i in (x.a_id, x.b_id, x.introduced_by_id) if i is not None}
    people = await _people_by_id(db, secret, ids)

    def name(i: int | None) -> str:
        return people[i].label if i in people else ""

    def sector(i: int | None) -> str:
        return people[i].sector_label if i in people else ""

    return _csv(INTRODUCTION_REPORT_COLUMNS, (
        [x.id, _iso(x.created_at), _iso(x.sent_at), x.status, name(x.a_id), sector(x.a_id), name(x.b_id),
         sector(x.b_id), name(x.introduced_by_id), f"{float(hours.get(x.id) or 0):g}"]
        for x in intros
    ))


async def hours_csv(db: AsyncSession, secret: str) -> str:
    rows = (await db.execute(
        select(Exchange.id, Exchange.at, Exchange.giver_id, Exchange.receiver_id, Exchange.hours, Exchange.source,
               Exchange.introduction_id).where(Exchange.status == "confirmed").order_by(Exchange.at, Exchange.id)
    )).all()
    people = await _people_by_id(db, secret, {i for x in rows for i in (x.giver_id, x.receiver_id) if i is not None})

    def name(i: int | None) -> str:
        return people[i].label if i in people else ""

    def sector(i: int | None) -> str:
        return people[i].sector_label if i in people else ""

    return _csv(HOURS_REPORT_COLUMNS, (
        [x.id, _iso(x.at), name(x.giver_id), sector(x.giver_id), name(x.receiver_id), sector(x.receiver_id),
         f"{x.hours:g}", x.source, x.introduction_id or ""]
        for x in rows
    ))


# --- Closing an open triangle ---------------------------------------------------------------------


async def closed_or_offered_pairs(db: AsyncSession) -> set[tuple[int, int]]:
    """Ordered pairs that already have a pending suggestion, or were declined (never suggested again)."""
    rows = (await db.execute(
        select(Suggestion.a_id, Suggestion.b_id).where(Suggestion.status.in_(("pending", "declined")))
    )).all()
    return {(min(a, b), max(a, b)) for a, b in rows}


async def suggest_closing_triangle(
    db: AsyncSession, secret: str, weaver: Member, b_id: int, c_id: int, now: dt.datetime
) -> Suggestion:
    """Queue "introduce b and c" for the weavers, with the reasons. Checked again against the
    network as it is now; idempotent: a pending suggestion for the pair is returned as it is."""
    if b_id == c_id:
        raise InvalidInput("Choose two different members.")
    b_id, c_id = min(b_id, c_id), max(b_id, c_id)
    pair = or_(and_(Suggestion.a_id == b_id, Suggestion.b_id == c_id), and_(Suggestion.a_id == c_id, Suggestion.b_id == b_id))
    existing = (await db.scalars(select(Suggestion).where(pair, Suggestion.status.in_(("pending", "declined"))))).first()
    if existing is not None:
        if existing.status == "declined":
            raise Conflict("A weaver declined introducing these two before, so they are not suggested again.")
        return existing
    net = await load_network(db, secret, around=(b_id, c_id))
    if b_id not in net.people or c_id not in net.people:
        raise NotFound("One of these members is not in the network.")
    triangle = triangle_between(net, b_id, c_id)
    if triangle is None:
        raise Conflict("These two are already connected, or no longer share a contact and an interest.")
    known = ", ".join(net.people[v].label for v in triangle.via[:3])
    suggestion = Suggestion(
        source="triangle", status="pending", a_id=b_id, b_id=c_id, requested_by_id=weaver.id, created_at=now,
        reasons=[f"both know {known}", f"both interested in {', '.join(triangle.shared)}"],
    )
    db.add(suggestion)
    await db.commit()
    return suggestion


# --- Over time -------------------------------------------------------------------------------------


def _month(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m")


def _months(first: str, last: str) -> list[str]:
    y, m = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_of(db: AsyncSession, column):  # noqa: ANN001, ANN202
    """'YYYY-MM' of a UTC timestamp column, computed by the database."""
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS...' text


async def dashboard(db: AsyncSession, now: dt.datetime, months: int = 12) -> list[dict]:
    """One row per month, oldest first, up to this month: introductions suggested, approved and met;
    hours exchanged; and at the end of the month the share of active members with a connection and
    the share of connected pairs that cross sectors (pairs whose two sectors are known and shown,
    as on the network page). Grouped by month in the database, so the rows fetched are a few per
    month whatever the size of the community."""
    month = partial(_month_of, db)
    this_month = _month(now)
    all_months = _months(_month(now - dt.timedelta(days=31 * (months - 1))), this_month)[-months:]
    by_month = {m: {"month": m, "suggested": 0, "approved": 0, "met": 0, "hours": 0.0} for m in all_months}

    async def per_month(key: str, query, cast=int) -> None:  # noqa: ANN001
        for m, value in (await db.execute(query)).all():
            if m in by_month:
                by_month[m][key] += cast(value or 0)

    m = month(Suggestion.created_at)
    await per_month("suggested", select(m, func.count()).group_by(m))
    m = month(Suggestion.decided_at)
    await per_month("approved", select(m, func.count()).where(
        Suggestion.status == "approved", Suggestion.decided_at.is_not(None)).group_by(m))
    # An introduction counts as met in the month of its first "we met" answer.
    first_met = (
        select(func.min(FollowUpAnswer.answered_at).label("at"))
        .join(Introduction, Introduction.id == FollowUpAnswer.introduction_id)
        .where(FollowUpAnswer.met == "met", Introduction.status == "met")
        .group_by(FollowUpAnswer.introduction_id).subquery()
    )
    m = month(first_met.c.at)
    await per_month("met", select(m, func.count()).group_by(m))
    m = month(Exchange.at)
    confirmed_hours = select(m, func.sum(Exchange.hours)).where(Exchange.status == "confirmed").group_by(m)
    await per_month("hours", confirmed_hours, float)

    # Cumulative shares: new members, newly connected members and new pairs per month, then summed.
    joined = Counter()
    m = month(Member.created_at)
    for key, n in (await db.execute(select(m, func.count()).where(Member.status == "active").group_by(m))).all():
        joined[key] += n
    ends = union_all(
        select(Connection.a_id.label("member_id"), Connection.created_at.label("at")),
        select(Connection.b_id.label("member_id"), Connection.created_at.label("at")),
    ).subquery()
    first_link = (
        select(func.min(ends.c.at).label("at")).join(Member, Member.id == ends.c.member_id)
        .where(Member.status == "active").group_by(ends.c.member_id).subquery()
    )
    newly_connected = Counter()
    m = month(first_link.c.at)
    for key, n in (await db.execute(select(m, func.count()).group_by(m))).all():
        newly_connected[key] += n
    ma, mb = aliased(Member), aliased(Member)
    pa, pb = aliased(MemberPreference), aliased(MemberPreference)
    pairs = (
        select(
            func.min(Connection.created_at).label("at"),
            func.max(case((and_(ma.sector.is_not(None), mb.sector.is_not(None), pa.on_map.is_not(False),
                                pb.on_map.is_not(False)), 1), else_=0)).label("known"),
            func.max(case((ma.sector != mb.sector, 1), else_=0)).label("crosses"),
        )
        .join(ma, ma.id == Connection.a_id).join(mb, mb.id == Connection.b_id)
        .outerjoin(pa, pa.member_id == ma.id).outerjoin(pb, pb.member_id == mb.id)
        .where(ma.status == "active", mb.status == "active")
        .group_by(Connection.a_id, Connection.b_id).subquery()
    )
    new_pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    m = month(pairs.c.at)
    for key, known, crossing in (await db.execute(
        select(m, func.sum(pairs.c.known), func.sum(pairs.c.known * pairs.c.crosses)).group_by(m)
    )).all():
        new_pairs[key][0] += int(known or 0)
        new_pairs[key][1] += int(crossing or 0)

    members = connected = known = crossing = 0
    keys = set(joined) | set(newly_connected) | set(new_pairs)
    first = min([all_months[0], *keys])
    for key in _months(first, this_month):
        members += joined.get(key, 0)
        connected += newly_connected.get(key, 0)
        known += new_pairs[key][0] if key in new_pairs else 0
        crossing += new_pairs[key][1] if key in new_pairs else 0
        if key in by_month:
            by_month[key]["members"] = members
            by_month[key]["share_connected"] = connected / members if members else 0.0
            by_month[key]["share_cross_sector"] = crossing / known if known else None
    return [by_month[m] for m in all_months]
