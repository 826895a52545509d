"""The demo community loads through the import path: 300+ members across nations and sectors."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.demo import DEMO_ACCOUNTS, load_demo
from hub.models import Member, Post
from tests.support import START


async def test_the_demo_community_loads_once_with_every_nation_sector_and_role(db):
    assert await load_demo(db, START) >= 300
    assert await load_demo(db, START) == 0
    nations = set((await db.scalars(select(Member.nation).distinct())).all())
    sectors = set((await db.scalars(select(Member.sector).distinct())).all())
    assert nations == {"england", "scotland", "wales", "northern_ireland"}
    assert sectors == {"nhs", "social_care", "third_sector", "local_authority", "academia", "lived_experience"}
    roles = dict((await db.execute(select(Member.email, Member.hub_role).where(Member.email.in_(DEMO_ACCOUNTS.values())))).all())
    assert roles == {email: role for role, email in DEMO_ACCOUNTS.items()}
    assert await db.scalar(select(func.count()).select_from(Post).where(Post.kind == "ask")) > 100
