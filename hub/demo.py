"""Loads the demo community (hub.demo_data) through the same path as a spreadsheet import."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.demo_data import DEMO_ADMIN_EMAIL, DEMO_MEMBER_EMAIL, DEMO_WEAVER_EMAIL, generate_community
from hub.forms import parse_post, parse_profile
from hub.importer import MemberRecord, add_records
from hub.models import Member

DEMO_ACCOUNTS = {"member": DEMO_MEMBER_EMAIL, "weaver": DEMO_WEAVER_EMAIL, "admin": DEMO_ADMIN_EMAIL}


def demo_records(size: int, today: dt.date, seed: int = 2020) -> list[MemberRecord]:
    records = []
    for person in generate_community(size=size, seed=seed):
        profile = dict(person)
        if profile.get("matching") == "paused":
            # Keep the pause in the future whatever day the demo is started.
            profile["matching_paused_until"] = (today + dt.timedelta(days=60)).isoformat()
        records.append(
            MemberRecord(
                email=person["email"],
                profile=parse_profile(profile, today),
                hub_role=person["hub_role"],
                offers=[parse_post(o, today) for o in person["offers"]],
                asks=[parse_post(a, today) for a in person["asks"]],
            )
        )
    return records


async def load_demo(session: AsyncSession, now: dt.datetime, size: int = 320) -> int:
    """Adds the demo community to an empty hub, as joining at `now`; does nothing if members already exist."""
    if await session.scalar(select(func.count()).select_from(Member)):
        return 0
    records = demo_records(size, now.date())
    await add_records(session, records, now)
    await session.commit()
    return len(records)
