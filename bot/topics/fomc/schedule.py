"""The daily refresh of the FOMC meeting calendar (a clock job the leader runs).

The leader re-reads the Fed's ``fomccalendars.htm`` every morning (06:05 ET) and keeps the
result in Redis, so every instance, and every watcher, sees a new meeting (the next
year's schedule, a change) without a redeploy; the packaged calendar is the fallback.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.config import Settings
from bot.domain.calendar import merge_calendar, parse_calendar_page
from bot.store.calendar import CalendarStore
from bot.topics.http import describe_error, make_http_client

log = logging.getLogger(__name__)


async def refresh_calendar(settings: Settings, calendars: CalendarStore) -> int:
    """Fetch and parse the Fed's calendar page; returns the number of meetings read."""
    url = settings.fed.base_url + "/monetarypolicy/fomccalendars.htm"
    try:
        async with make_http_client(settings) as client:
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
    current = await calendars.current()
    merged = merge_calendar(current, meetings, source=url, today=datetime.now(UTC).date())
    await calendars.save(merged)
    log.info("calendar refresh: %d meetings read, %d known", len(meetings),
             len(merged.meetings))
    return len(meetings)
