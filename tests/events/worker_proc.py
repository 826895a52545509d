"""A `hub worker` in its own process, for the crash test: the loop `hub worker` runs (the events' sweeps,
then mail), on the real clock, as worker argv[2] with a heartbeat timeout of argv[4] seconds; it stops
on SIGTERM as `hub worker` does."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys

from events.worker import sweeps
from hub.db import create_engine, session_factory, utcnow
from hub.mail import SmtpTransport, run_worker
from hub.settings import Settings


async def main(database_url: str, worker: str, smtp_port: int, timeout: float) -> None:
    settings = Settings(database_url=database_url, secret_key="test-secret", base_url="http://testserver.local",
                        mail_mode="smtp", smtp_port=smtp_port, run_worker_in_web=False, worker_poll_seconds=0.05)
    engine = create_engine(database_url)
    factory = session_factory(engine)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    try:
        await run_worker(factory, settings, SmtpTransport(settings), stop, sweeps(factory, settings, utcnow),
                         now=utcnow, worker=worker, claim_timeout=dt.timedelta(seconds=timeout))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
