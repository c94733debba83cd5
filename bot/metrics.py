"""Prometheus metrics (served on ``metrics_port`` when it is set)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

DELIVERIES = Counter("fedalert_deliveries_total", "Delivery attempts by outcome",
                     ["platform", "outcome"])
FANOUT = Counter("fedalert_fanout_total", "Deliveries queued by fan-out", ["topic"])
EVENTS = Counter("fedalert_events_total", "Events published", ["kind", "outcome"])
SOURCE_ERRORS = Counter("fedalert_source_errors_total",
                        "Upstream fetch or parse failures (no alert was sent)",
                        ["source", "reason"])
SOURCE_POLLS = Counter("fedalert_source_polls_total", "Upstream polls", ["source", "result"])
FEED_DEGRADED = Gauge("fedalert_price_feed_degraded",
                      "1 while the BTC composite is below quorum")
PRICE_SOURCES = Gauge("fedalert_price_sources_fresh", "Fresh BTC price sources")
LEADER = Gauge("fedalert_leader", "1 while this instance runs the pollers")
PART_UP = Gauge("fedalert_part_up", "1 while a long-running part runs (0: restarting)",
                ["part"])
PART_RESTARTS = Counter("fedalert_part_restarts_total", "Restarts of a long-running part",
                        ["part"])
OUTBOX_QUEUED = Gauge("fedalert_outbox_queued", "Deliveries waiting in the outbox",
                      ["platform"])
OUTBOX_DELAYED = Gauge("fedalert_outbox_delayed", "Deliveries waiting for a retry time",
                       ["platform"])
OUTBOX_DEAD = Gauge("fedalert_outbox_dead", "Dead-lettered deliveries", ["platform"])
OUTBOX_OLDEST_SECONDS = Gauge("fedalert_outbox_oldest_seconds",
                              "Age of the oldest delivery not yet sent", ["platform"])
SOURCE_POLL_SECONDS = Histogram("fedalert_source_poll_seconds", "Time one poll of a source took",
                                ["source"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
SENDS_WOKEN_LATE = Counter("fedalert_sends_woken_late_total",
                           "Sends woken after their paced slot, given a new one")
LIBRARY_LOG_LINES = Counter("fedalert_library_log_lines_total",
                            "A library's own warnings and errors, folded into one line a kind",
                            ["library"])
STORE_ERRORS = Counter("fedalert_store_errors_total", "Failed Redis operations", ["where"])
COMMANDS = Counter("fedalert_commands_total", "Chat commands", ["platform", "command", "outcome"])


def serve(port: int | None) -> None:
    if port:
        start_http_server(port)
REGIME_DISAGREEMENTS = Counter(
    "fedalert_h41_regime_disagreements_total",
    "Weeks whose securities trend contradicts the balance-sheet program the FOMC announced")
