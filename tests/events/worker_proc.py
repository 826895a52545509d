"""A `hub worker` in its own process, for the crash test: the same sweeps and loop, on a clock shifted
by argv[2] seconds (so a second worker can stand after the first one's lease has run out)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

from events.worker import sweeps
from hub.db import create_engine, session_factory, utcnow
from hub.mail import SmtpTransport, deliver_due
from hub.settings import Settings


async def main(database_url: str, shift: float, smtp_port: int) -> None:
    settings = Settings(database_url=database_url, secret_key="test-secret", base_url="http://testserver.local",
                        mail_mode="smtp", smtp_port=smtp_port, run_worker_in_web=False)
    engine = create_engine(database_url)
    factory = session_factory(engine)

    def clock() -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=shift)

    print("ready", flush=True)
    try:
        while True:
            for sweep in sweeps(factory, settings, clock):
                await sweep()
            if not await deliver_due(factory, settings, SmtpTransport(settings), now=clock, limit=25):
                break
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
