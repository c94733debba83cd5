"""Prometheus metrics (served on ``metrics_port`` when it is set)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

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
STORE_ERRORS = Counter("fedalert_store_errors_total", "Failed Redis operations", ["where"])
COMMANDS = Counter("fedalert_commands_total", "Chat commands", ["platform", "command", "outcome"])


def serve(port: int | None) -> None:
    if port:
        start_http_server(port)
