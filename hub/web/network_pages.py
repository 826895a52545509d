"""Weavers' network pages: the map, its metrics and open triangles, the dashboard over time, the exports."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import audit, network
from hub.errors import InvalidInput, NotFound
from hub.models import NATIONS, SECTORS, Member, Tag, member_interest
from hub.settings import Settings
from hub.web.common import page, require, see_other

NETWORK_NOTICES = {"triangle-suggested": "Suggested: the introduction is waiting in the weavers' queue."}
EXPORTS = {
    # path: (title, media type, what it is). Litestar adds "; charset=utf-8" to text/* types itself.
    "kumu-elements.csv": ("Kumu elements (CSV)", "text/csv", "One row per member: ID, Label, Type (sector), Tags (interests), Description."),
    "kumu-connections.csv": ("Kumu connections (CSV)", "text/csv", "One row per pair and kind of meeting: ID, From, To, Type, Strength, Direction."),
    "kumu.json": ("Kumu blueprint (JSON)", "application/json", "Elements and connections in one file, for Kumu's JSON import."),
    "network.gexf": ("Gephi (GEXF)", "application/gexf+xml", "Members with label, sector and nation; connections with weight."),
    "network.graphml": ("GraphML", "application/graphml+xml", "The same graph, for Gephi, yEd, Cytoscape and others."),
    "introductions.csv": ("Introductions report (CSV)", "text/csv", "Every introduction, its status and the hours recorded against it."),
    "hours.csv": ("Hours report (CSV)", "text/csv", "Every timebank exchange: who gave, who received, how many hours."),
}


def _filters(request: Request) -> dict[str, str]:
    """Sector, nation and interest from the query string; values the hub does not know are ignored."""
    q = request.query_params
    sector, nation, interest = q.get("sector", ""), q.get("nation", ""), q.get("interest", "")[:80]
    return {
        "sector": sector if sector in SECTORS else "",
        "nation": nation if nation in NATIONS else "",
        "interest": interest,
    }


async def _interests_in_use(db: AsyncSession) -> dict[str, str]:
    used = select(member_interest.c.tag_id).distinct()
    tags = (await db.execute(select(Tag.slug, Tag.label).where(Tag.id.in_(used)).order_by(Tag.label))).all()
    return {slug: label for slug, label in tags}


def _download(body: bytes | str, filename: str, media_type: str) -> Response:
    return Response(
        content=body if isinstance(body, bytes) else body.encode("utf-8"),
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


class NetworkPages(Controller):
    path = "/network"
    include_in_schema = False

    @get("/")
    async def overview(self, request: Request, db: AsyncSession, settings: Settings, viewer: Member | None) -> Template:
        me = require(viewer, "weaver")
        net = await network.load_network(db, settings.secret_key)
        offered = await network.closed_or_offered_pairs(db)
        metrics = await asyncio.to_thread(network.compute_metrics, net, 30, offered)
        filters = _filters(request)
        query = urlencode({k: v for k, v in filters.items() if v})
        interests = await _interests_in_use(db)
        return page(
            request, "hub/network/index.html", me, net=net, metrics=metrics, filters=filters, interests=interests,
            map_src="/network/map.json" + (f"?{query}" if query else ""), exports=EXPORTS,
            notice=NETWORK_NOTICES.get(request.query_params.get("notice", "")),
        )

    @get("/map.json")
    async def map_json(self, request: Request, db: AsyncSession, settings: Settings, viewer: Member | None) -> Response:
        require(viewer, "weaver")
        net = await network.load_network(db, settings.secret_key)
        data = await asyncio.to_thread(network.map_data, net, **_filters(request))
        return Response(data, headers={"cache-control": "no-store"})

    @post("/triangles")
    async def close_triangle(
        self, request: Request, db: AsyncSession, settings: Settings, viewer: Member | None, now: dt.datetime
    ) -> Redirect:
        me = require(viewer, "weaver")
        form = await request.form()
        try:
            b_id, c_id = int(form.get("b", "")), int(form.get("c", ""))
        except ValueError:
            raise InvalidInput("Choose two members.") from None
        await network.suggest_closing_triangle(db, settings.secret_key, me, b_id, c_id, now)
        return see_other("/network", notice="triangle-suggested")

    @get("/dashboard")
    async def dashboard(self, request: Request, db: AsyncSession, viewer: Member | None, now: dt.datetime) -> Template:
        me = require(viewer, "weaver")
        months = await network.dashboard(db, now, months=12)
        return page(request, "hub/network/dashboard.html", me, months=months)

    @get("/export/{name:str}")
    async def export(
        self, request: Request, db: AsyncSession, settings: Settings, viewer: Member | None, name: str, now: dt.datetime
    ) -> Response:
        me = require(viewer, "weaver")
        if name not in EXPORTS:
            raise NotFound("There is no such export.")
        await audit.record_committed(request.app.state.session_factory, me.id, "network_export", "network", now, export=name)
        media_type = EXPORTS[name][1]
        if name == "introductions.csv":
            return _download(await network.introductions_csv(db, settings.secret_key), name, media_type)
        if name == "hours.csv":
            return _download(await network.hours_csv(db, settings.secret_key), name, media_type)
        net = await network.load_network(db, settings.secret_key)
        writer = {
            "kumu-elements.csv": network.kumu_elements_csv,
            "kumu-connections.csv": network.kumu_connections_csv,
            "kumu.json": network.kumu_json,
            "network.gexf": network.gexf,
            "network.graphml": network.graphml,
        }[name]
        return _download(await asyncio.to_thread(writer, net), name, media_type)
