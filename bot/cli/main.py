"""The ``fedalert`` command line.

Exit status: 0 success, 1 a command's own failure (a check that failed, a file that
did not parse), 2 bad usage or a configuration error (one line on stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.topics.packages import settings_sections

log = logging.getLogger("fedalert")

Command = Callable[[argparse.Namespace, Settings], int]
_COMMANDS: dict[str, Command] = {}


def _command(name: str) -> Callable[[Command], Command]:
    def register(func: Command) -> Command:
        _COMMANDS[name] = func
        return func

    return register


# run / worker -------------------------------------------------------------------------
@_command("run")
def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_services, build_transports, install_signal_handlers, run_instance
    from bot.metrics import serve
    from bot.store.server import connect

    async def main() -> None:
        stop = asyncio.Event()
        install_signal_handlers(stop)
        try:
            serve(settings.metrics_port)
        except OSError as exc:
            raise ConfigError(f"config error: metrics_port {settings.metrics_port} cannot be "
                              f"used ({exc.strerror or exc}) [FEDALERT_METRICS_PORT]") from None
        async with connect(settings) as redis:
            services = build_services(settings, redis)
            await run_instance(services, build_transports(settings, redis), stop,
                               with_pollers=not args.no_pollers)

    asyncio.run(main())
    logging.getLogger("fedalert").info("stopped")
    return 0


@_command("worker")
def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    args.no_pollers = True
    return cmd_run(args, settings)


# demo ---------------------------------------------------------------------------------
@_command("demo")
def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_services, check_schema
    from bot.demo.replay import ScenarioError, describe_chats, load_scenario, replay
    from bot.platforms.console import ConsoleTransport
    from bot.store.server import connect

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    # charts go to one folder of this user, reused by every run, unless one is named
    output_dir = args.output or demo_chart_dir()
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / ".fedalert-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        print(f"demo: cannot write charts to {output_dir} ({exc.strerror or exc}) [--output]",
              file=sys.stderr)
        return 2

    async def main() -> int:
        # the demo never touches a configured deployment: always a fresh embedded store
        demo_settings = settings.model_copy(update={"redis_url": None})
        async with connect(demo_settings, ephemeral=True) as redis:
            services = build_services(demo_settings, redis)
            await check_schema(services)
            transport = ConsoleTransport(attachment_dir=output_dir)
            print(f"fedalert demo: {scenario.get('name', 'scenario')} — "
                  f"{scenario.get('description', '')}\n", flush=True)
            chats = describe_chats(list(scenario.get("chats", [])))
            if chats:
                print("Chats in this demo:\n" + "\n".join(chats) + "\n", flush=True)
            report = await replay(services, scenario, transport, speed=args.speed,
                                  output_dir=output_dir)
        if transport.closed:  # the reader left: end quietly, as command-line tools do
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        print(f"demo done: {report.readings} readings, {report.events} events, "
              f"{report.delivered} alerts delivered in {report.seconds:.1f} s", flush=True)
        return 0

    try:
        return asyncio.run(main())
    except BrokenPipeError:  # the reader left before the end (``| head``): end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


# check / health -----------------------------------------------------------------------
@_command("check")
def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.topics.catalog import Catalog

    results = asyncio.run(Catalog().run_checks(settings))
    width = max((len(r.source) for r in results), default=0)
    for result in results:
        mark = "ok  " if result.ok else "FAIL"
        print(f"{mark} {result.source:<{width}}  {result.detail}")
    if not results:
        print("no sources configured")
    return 0 if all(r.ok for r in results) else 1


# registry export / import ------------------------------------------------------------
def _make_stdout_private() -> bool:
    """``registry export > chats.jsonl``: the shell made the file with the umask's mode;
    make it readable by its owner alone, before any secret is written (True if done)."""
    import stat

    try:
        descriptor = sys.stdout.fileno()
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return False
        os.fchmod(descriptor, 0o600)
        return True
    except (OSError, ValueError, io.UnsupportedOperation):
        return False


@_command("registry")
def cmd_registry(args: argparse.Namespace, settings: Settings) -> int:
    """Back up, move or restore the chats: one JSON line per chat."""
    from bot.app import build_services
    from bot.store.server import STORE_DOWN_ERRORS, connect
    from bot.store.transfer import (
        check_records,
        export_chats,
        import_records,
        problems_with_the_store,
    )
    from bot.supervision import describe

    async def export() -> int:
        count = 0
        private = _make_stdout_private()
        async with connect(settings) as redis:
            services = build_services(settings, redis)
            async for line in export_chats(services.registry):
                sys.stdout.write(line + "\n")
                count += 1
        print(f"exported {count} chats; the file holds secrets (webhook tokens): keep it "
              f"private{' (made readable by you alone)' if private else ''}", file=sys.stderr)
        return 0

    async def load(path: Path) -> int:
        async with connect(settings) as redis:
            services = build_services(settings, redis)
            registry = services.registry
            options: dict[str, Any] = {"platforms": services.outbox.platforms,
                       "max_thresholds": settings.registry.max_thresholds_per_chat}
            # first pass: every line checked (and against the store), nothing written
            problems: list[str] = []
            total, batch = 0, []
            with path.open(encoding="utf-8", errors="surrogateescape") as lines:
                for item in check_records(lines, registry.topics, **options):
                    if isinstance(item, str):
                        problems.append(item)
                        continue
                    total += 1
                    batch.append(item)
                    if len(batch) == 1000:
                        problems += await problems_with_the_store(registry, batch)
                        batch = []
            problems += await problems_with_the_store(registry, batch)
            if problems:
                for line in problems[:50]:
                    print(f"error: {line}", file=sys.stderr)
                more = " (the first 50 shown)" if len(problems) > 50 else ""
                print(f"nothing imported: {len(problems)} bad lines{more}", file=sys.stderr)
                return 1
            tty = sys.stderr.isatty()

            def progress(done: int, total: int) -> None:
                if tty and (done % 100 == 0 or done == total):
                    width = 30
                    filled = int(width * done / total)
                    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
                          end="" if done < total else "\n", file=sys.stderr, flush=True)

            # second pass: the same lines, streamed into the store
            with path.open(encoding="utf-8", errors="surrogateescape") as lines:
                records = (item for item in check_records(lines, registry.topics, **options)
                           if not isinstance(item, str))
                try:
                    created = await import_records(registry, services.briefs, records,
                                                   progress, total)
                except STORE_DOWN_ERRORS as exc:
                    print(f"\nerror: the store failed during the import ({describe(exc)}); "
                          f"run the same import again: it finishes what is missing and "
                          f"changes nothing twice", file=sys.stderr)
                    return 1
        print(f"imported {total} chats ({created} new, {total - created} updated)",
              file=sys.stderr)
        return 0

    if args.action == "export":
        return asyncio.run(export())
    if args.file == "-":  # read twice: keep standard input in a private temporary file
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl",
                                         errors="surrogateescape", delete=False) as spool:
            shutil.copyfileobj(sys.stdin, spool)
        path = Path(spool.name)
    else:
        path = Path(args.file)
        if not path.is_file():
            print(f"error: cannot read {args.file}: "
                  f"{'a folder, not a file' if path.is_dir() else 'no such file'}",
                  file=sys.stderr)
            return 1
    try:
        return asyncio.run(load(path))
    except UnicodeDecodeError as exc:
        print(f"error: {args.file} is not UTF-8 text ({exc.reason})", file=sys.stderr)
        return 1
    finally:
        if args.file == "-":
            path.unlink(missing_ok=True)


@_command("health")
def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    """Container health check: Redis answers and a fedalert process on this host is alive."""
    import socket

    from bot.store.keys import KeySchema
    from bot.store.server import DataFolder, default_data_dir, make_client

    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
    else:  # the embedded store of the fedalert running on this data folder, if any
        folder = DataFolder(settings.data_dir or default_data_dir())
        running = folder.running_url()
        if folder.server_dir.is_dir() and folder.try_own():
            folder.release()
            running = None
        if running is None:
            print(f"unhealthy: no fedalert is running on {folder.path}")
            return 1
        url = running

    async def probe() -> int:
        client = make_client(url)
        keys = KeySchema(settings.key_prefix, settings.partitions)
        instance = args.instance or settings.instance_id or socket.gethostname()
        try:
            await client.ping()
            async for key in client.scan_iter(match=keys.instance(instance) + "*", count=1000):
                beat = await client.get(key)
                return health_of(None if beat is None else str(beat), instance)
            print(f"unhealthy: no heartbeat from {instance}")
            return 1
        except Exception as exc:
            print(f"unhealthy: {type(exc).__name__}: {exc}")
            return 1
        finally:
            await client.aclose()

    return asyncio.run(probe())


def health_of(beat: str | None, instance: str) -> int:
    """``healthy`` (0) when the heartbeat says every part runs; else one line naming the
    parts that have been down longer than their grace time (1)."""
    try:
        data = json.loads(beat or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):  # an older instance's plain "alive"
        print("healthy" if beat else f"unhealthy: no heartbeat from {instance}")
        return 0 if beat else 1
    lost = data.get("store_lost")
    if isinstance(lost, dict):
        print(f"unhealthy: the store came back empty ({lost.get('chats_before')} chats "
              f"before); restore them with `fedalert registry import FILE`")
        return 1
    down = [str(name) for name in data.get("unhealthy") or []]
    if down:
        parts = data.get("parts") or {}
        detail = "; ".join(f"{name}: {parts.get(name, {}).get('last_error') or 'down'}"
                           for name in down)
        print(f"unhealthy: {detail}")
        return 1
    print("healthy")
    return 0


def positive_number(text: str) -> float:
    """An argparse type: a number above zero (``--speed 0`` would never end)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a number above 0")
    return value


# parser -------------------------------------------------------------------------------
def demo_chart_dir(*, create: bool = True) -> Path:
    """``<tmp>/fedalert-demo-<uid>``: one folder per user, reused, private (another user's
    folder of that name is never written to)."""
    folder = Path(tempfile.gettempdir()) / f"fedalert-demo-{os.getuid()}"
    if create:
        folder.mkdir(mode=0o700, exist_ok=True)
        if folder.is_symlink() or folder.stat().st_uid != os.getuid():
            return Path(tempfile.mkdtemp(prefix="fedalert-demo-"))
    return folder


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedalert",
        description="Bilingual (zh-Hant / English) alerts for FOMC decisions, the Fed balance "
                    "sheet, rate odds, US macro releases and BTC price levels, to Telegram, "
                    "Discord, LINE, Apprise targets or the console.",
    )
    parser.add_argument("--version", action="version", version=f"fedalert {__version__}")
    parser.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="override FEDALERT_LOG_LEVEL")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="run the bot: pollers (on the elected leader) and delivery",
                         description="Run the pollers (only on the instance that holds the "
                                     "leader lock) and the delivery workers of every configured "
                                     "transport. With no chat token, alerts go to the console.")
    run.add_argument("--no-pollers", action="store_true",
                     help="only deliver (same as `fedalert worker`)")

    sub.add_parser("worker", help="run delivery workers only (scale out delivery)",
                   description="Deliver queued alerts through the configured transports, "
                               "without running any poller.")

    registry = sub.add_parser(
        "registry", help="export or import the chats (JSON lines): back up, move stores",
        description="export: every chat, its settings, topics and BTC levels, one JSON line "
                    "each, to stdout (webhook tokens included: keep the file private). "
                    "import FILE: the same lines into this store; idempotent; every line "
                    "is checked first and nothing is written if one is bad.")
    registry_actions = registry.add_subparsers(dest="action", required=True)
    registry_actions.add_parser(
        "export", help="write every chat to stdout (holds secrets: keep the file private)",
        description="Write every chat of the configured store, one JSON line each, to "
                    "stdout: settings, topics, BTC levels, briefs, liquidity rules and "
                    "webhook tokens (secrets: keep the file private).")
    importing = registry_actions.add_parser(
        "import", help="read chats from FILE (- = stdin) into the configured store",
        description="Load chats written by `registry export` into the configured store. "
                    "Every line is checked first; nothing is written if one is bad; "
                    "importing the same file twice changes nothing.")
    importing.add_argument("file", help="a file written by `registry export`, or - for stdin")
    demo = sub.add_parser("demo", help="replay the April 2025 scenario to the console",
                          description="Replay a shipped scenario of timed source readings "
                                      "through the real pipeline (embedded Valkey, renderer, "
                                      "outbox, console). Needs no Redis, token or network.")
    demo.add_argument("--speed", type=positive_number, default=1.0,
                      help="time compression of the scenario (default 1: a few seconds)")
    demo.add_argument("--scenario", type=Path,
                      help="a shipped scenario (april-2025, meeting-day) or a JSON file of "
                           "your own")
    demo.add_argument("--output", type=Path,
                      help=f"folder for charts (default: {demo_chart_dir(create=False)}, "
                           "reused by every run)")

    sub.add_parser("check", help="poll each live source once and print what it read",
                   description="Poll every configured upstream once (Fed, FRED, CME, "
                               "exchanges) and print what was read or why it failed. "
                               "Exit status 1 if any source failed.")

    health = sub.add_parser(
        "health", help="exit 0 when Redis answers and this host's bot is alive "
                       "(container health check)",
        description="Exit 0 (printing 'healthy') when the store answers and this instance's "
                    "heartbeat is fresh with every part running; else exit 1 with one line "
                    "saying what is down. Used by the Docker HEALTHCHECK.")
    health.add_argument("--instance", help="instance id to look for (default: this host name)")

    for register in _EXTRA_PARSERS:
        register(sub)
    return parser


ParserHook = Callable[[argparse._SubParsersAction], None]
_EXTRA_PARSERS: list[ParserHook] = []


@functools.cache  # once per process: main() may be called more than once
def _load_extensions() -> None:
    """Commands kept in their own modules (parse, odds, calendar, releases, outbox)."""
    from bot.cli import outbox as outbox_cli
    from bot.cli import tools as commands_cli

    commands_cli.register(_EXTRA_PARSERS, _COMMANDS)
    outbox_cli.register(_EXTRA_PARSERS, _COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    from bot.logs import setup_logging

    _load_extensions()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(sections=settings_sections())
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    level = args.log_level or settings.log_level
    if args.command == "demo" and not args.log_level:
        level = "WARNING"
    setup_logging(level, settings.secret_values(), json_lines=settings.log_format == "json")
    try:
        return _COMMANDS[args.command](args, settings)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from bot.app import SchemaMismatch
        from bot.store.server import EmbeddedServerError

        if isinstance(exc, SchemaMismatch | EmbeddedServerError):
            print(str(exc), file=sys.stderr)
            return 2
        # unexpected: one masked line and the (masked) traceback through the log handler
        logging.getLogger("fedalert").critical("stopped by an unexpected error: %s",
                                               type(exc).__name__, exc_info=True)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
