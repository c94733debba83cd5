"""Jobs on a clock (APScheduler): the daily refresh of the FOMC meeting calendar.

The leader re-reads the Fed's ``fomccalendars.htm`` every morning (06:05 ET) and keeps the
result in Redis, so every instance, and every watcher, sees a new meeting (the next
year's schedule, a change) without a redeploy; the packaged calendar is the fallback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.domain.calendar import FomcCalendar, load_calendar, merge_calendar, parse_calendar_page
from bot.topics.http import describe_error, make_http_client

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

CALENDAR_KEY = "calendar"
CACHE_SECONDS = 600
_cache: dict[str, tuple[float, FomcCalendar]] = {}


async def current_calendar(services: Services) -> FomcCalendar:
    """The refreshed calendar from Redis (cached for a few minutes), else the packaged one."""
    key = services.keys.state(CALENDAR_KEY)
    cached = _cache.get(key)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    raw = await services.redis.get(key)
    calendar = FomcCalendar.from_toml(raw) if raw else load_calendar()
    _cache[key] = (time.monotonic(), calendar)
    return calendar


async def refresh_calendar(services: Services) -> int:
    """Fetch and parse the Fed's calendar page; returns the number of meetings read."""
    url = services.settings.fed.base_url + "/monetarypolicy/fomccalendars.htm"
    try:
        async with make_http_client(services.settings) as client:
            response = await client.get(url)
            response.raise_for_status()
    except Exception as exc:
        log.warning("calendar refresh: %s unreachable (%s); keeping the current calendar",
                    url, describe_error(exc))
        return 0
    meetings = parse_calendar_page(response.text)
    if not meetings:
        log.warning("calendar refresh: no meetings found on %s (layout changed?)", url)
        return 0
    current = await current_calendar(services)
    merged = merge_calendar(current, meetings, source=url, today=datetime.now(UTC).date())
    key = services.keys.state(CALENDAR_KEY)
    await services.redis.set(key, merged.to_toml())
    _cache.pop(key, None)
    log.info("calendar refresh: %d meetings read, %d known", len(meetings),
             len(merged.meetings))
    return len(meetings)


async def run_jobs(services: Services, stop: asyncio.Event) -> None:
    scheduler = AsyncIOScheduler(timezone="America/New_York")
    scheduler.add_job(refresh_calendar, CronTrigger(hour=6, minute=5), args=[services],
                      id="fomc-calendar", coalesce=True, max_instances=1,
                      misfire_grace_time=6 * 3600)
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
