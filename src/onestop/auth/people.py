"""Who an event's actor is, in words a person reads: ``user:clerk`` is the user's full name,
``client:portal`` the API client's name. Imported history (``import:…``) and actors no longer on
record are left out; the caller shows them as they are."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onestop.auth.models import ApiClient, User


async def display_names(session: AsyncSession, actors: Iterable[str]) -> dict[str, str]:
    """Actor string → name, for the actors that name a user or an API client."""
    wanted: dict[str, set[str]] = {"user": set(), "client": set()}
    for actor in actors:
        kind, _, who = actor.partition(":")
        if kind in wanted and who:
            wanted[kind].add(who)
    names: dict[str, str] = {}
    if wanted["user"]:
        users = select(User.username, User.full_name).where(User.username.in_(wanted["user"]))
        names |= {f"user:{u}": n for u, n in (await session.execute(users)).all()}
    if wanted["client"]:
        clients = select(ApiClient.client_id, ApiClient.name).where(
            ApiClient.client_id.in_(wanted["client"])
        )
        names |= {f"client:{c}": n for c, n in (await session.execute(clients)).all()}
    return names
