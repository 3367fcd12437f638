"""After a successful write, remember where the primary's log stands for the writer's
organization, so that its next reads wait for a replica that has it (agritrace.store.replicas).

Installed only when replicas are configured. It runs when the response starts, before the
client can read it: the route has returned, so its write has committed. The caller is the one
the route's dependency resolved (``request.state.caller``), or a page form's signed-in person
(web/pages/session.page_caller keeps it there too).
"""

from __future__ import annotations

import logging

from anyio import to_thread
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agritrace.store.replicas import Replicas
from agritrace.web.api.deps import SAFE_METHODS

log = logging.getLogger(__name__)


class ReadYourWrites:
    def __init__(self, app: ASGIApp, replicas: Replicas) -> None:
        self.app = app
        self.replicas = replicas

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        async def mark_then_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                await self._mark(scope)
            await send(message)

        await self.app(scope, receive, mark_then_send)

    async def _mark(self, scope: Scope) -> None:
        caller = scope.get("state", {}).get("caller")
        if caller is None:
            return
        try:
            await to_thread.run_sync(self.replicas.mark_written, caller.org.id)
        except SQLAlchemyError as exc:  # the write stands; the writer may read a stale replica
            log.warning("write position of organization %s not kept: %s", caller.org.id, exc)
