"""The ``qamqor`` command: run a demo, serve, work the queue, seed, or any manage.py command.

qamqor demo [--port 8000]          migrate, seed an empty database, web + worker (DEBUG off)
qamqor serve [--bind 0.0.0.0:8000 --workers 4]    gunicorn (production)
qamqor worker                      queued tasks and periodic sweeps
qamqor mail-listener               reports by email over SMTP (docs/channels.md)
qamqor seed --demo [--schools N --cases N]   (migrates first)
qamqor seed --national [--scale 1.0 --years 5]   synthetic national dataset (bench/)
qamqor manage <django arguments>   e.g. ``qamqor manage createsuperuser``
qamqor backup FILE / restore FILE  encrypted database backups (docs/deploy.md)
qamqor keys generate|rotate-backup data keys for backups (docs/security.md)
qamqor retention run [--dry-run]   retention periods (docs/security.md)
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence

SETTINGS_MODULE = "qamqor.settings"
DEFAULT_PORT = 8000
STOP_TIMEOUT_SECONDS = 10
OPS_COMMANDS = {
    "backup": "write an encrypted backup of the database",
    "restore": "restore an encrypted backup into an empty database",
    "keys": "data keys: generate one, re-encrypt backups with the first",
    "retention": "pseudonymise and delete what is past its retention period",
}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qamqor",
        description="Qamqor: one platform for protecting children from violence and bullying.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    demo = commands.add_parser(
        "demo", help="migrate, load synthetic demo data if empty, run web server and worker"
    )
    demo.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1")

    serve = commands.add_parser("serve", help="serve the web application with gunicorn")
    serve.add_argument("--bind", default=f"127.0.0.1:{DEFAULT_PORT}", help="address:port")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")

    commands.add_parser("worker", help="run queued tasks and the periodic sweeps")
    commands.add_parser("mail-listener", help="receive reports by email over SMTP (aiosmtpd)")

    seed = commands.add_parser("seed", help="fill the database with synthetic demo data")
    which = seed.add_mutually_exclusive_group(required=True)
    which.add_argument("--demo", action="store_true", help="the demo data set")
    which.add_argument(
        "--national",
        action="store_true",
        help="the synthetic national dataset for scale tests (bench/README.md)",
    )
    seed.add_argument(
        "--scale", type=float, default=1.0, help="--national: share of the national figures"
    )
    seed.add_argument("--years", type=int, default=5, help="--national: years of history (5)")
    seed.add_argument("--schools", type=int, default=200, help="how many schools (200)")
    seed.add_argument("--cases", type=int, default=300, help="how many registered cases (300)")
    seed.add_argument(
        "--force",
        action="store_true",
        help="seed although the database already holds other data (never twice)",
    )

    # Operations (qamqor.ops): management commands with their own options and --help.
    for name, text in OPS_COMMANDS.items():
        ops = commands.add_parser(name, help=text, add_help=False)
        ops.add_argument("arguments", nargs=argparse.REMAINDER)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("arguments", nargs=argparse.REMAINDER, help="the command and its options")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``qamqor`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in OPS_COMMANDS:
        # passed whole to the management command, its own options and --help included
        _setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["qamqor", *arguments])
        return 0
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args.bind, args.workers)  # gunicorn sets Django up in its workers
    if args.command == "demo":
        _demo_environment(args.port)
    _setup_django()
    if args.command == "demo":
        return _demo(args.port)
    if args.command == "worker":
        return _worker()
    if args.command == "mail-listener":
        from qamqor.mailbox.mail import run_forever

        return run_forever()
    if args.command == "seed" and args.national:
        return _seed_national(scale=args.scale, years=args.years)
    if args.command == "seed":
        return _seed(schools=args.schools, cases=args.cases, force=args.force)
    if args.command == "manage":
        from django.core.management import execute_from_command_line

        execute_from_command_line(["qamqor manage", *args.arguments])
        return 0
    raise AssertionError(args.command)  # argparse allows no other command


def _demo_environment(port: int) -> None:
    """The demo's settings, each unless the operator set it (the worker, spawned, inherits
    them): the product as a newcomer will meet it, not a developer's debugging aid."""
    # The published logins sign in with the password alone (QAMQOR_OTP_REQUIRED=1 asks for
    # the second step); anyone may still enrol an app and try it.
    _environment_default("QAMQOR_OTP_REQUIRED", "0")
    # The real 404 and 500 pages, no URL list or traceback in the browser; static files
    # come through WhiteNoise from the apps' folders (settings: no collectstatic needed).
    _environment_default("QAMQOR_DEBUG", "0")
    # Posters, emails and links name the address the demo answers on.
    _environment_default("QAMQOR_SITE_URL", f"http://127.0.0.1:{port}")


def _environment_default(name: str, value: str) -> None:
    """Set a setting's variable unless it, or its ``_FILE`` form, holds a value already."""
    if not (os.environ.get(name) or os.environ.get(f"{name}_FILE")):
        os.environ[name] = value


def _print_logins(url: str) -> None:
    from django.conf import settings
    from django.utils import translation

    from qamqor.demo import DEMO_LOGINS, DEMO_PASSWORD

    print(f"\nQamqor demo: {url}\n")
    if url.rstrip("/") != settings.SITE_URL:
        print(f"Posters, emails and links name QAMQOR_SITE_URL: {settings.SITE_URL}\n")
    print("All data is synthetic. Sign in as any of these (one per role):")
    width = max(len(username) for username, _ in DEMO_LOGINS)
    with translation.override("en"):  # the console speaks English, like the rest of it
        for username, role in DEMO_LOGINS:
            print(f"  {username:<{width}}  {role.label}")
    print(f"Password for every login: {DEMO_PASSWORD}")
    if settings.OTP_REQUIRED:
        print("Second step: an authenticator app's code (enrol at the first sign-in).\n")
    else:
        print(
            "Second step (authenticator code): OFF in this demo, so these logins work with "
            "the password alone.\nProduction requires it for every role that sees personal "
            "data; try it under 'Two-step sign-in'.\n"
        )
    print("Press Ctrl-C to stop the web server and the worker.\n", flush=True)


def _demo(port: int) -> int:
    """Migrate, seed an empty database, then run runserver here and the worker in a child."""
    from django.core.management import call_command
    from django.db import connections

    from qamqor.demo import is_empty, seed_demo

    if not _port_is_free(port):
        # Checked first: runserver leaves with os._exit on a busy port, which would
        # skip stopping the worker.
        print(f"qamqor demo: port {port} is in use; choose another with --port.", file=sys.stderr)
        return 1
    call_command("migrate", interactive=False, verbosity=0)
    if is_empty():
        print("Loading synthetic demo data (about a minute)…", flush=True)
        summary = seed_demo()
        print(
            f"{summary.schools} schools, {sum(summary.cases.values())} cases, "
            f"{summary.users} users in {summary.seconds:.1f} s",
            flush=True,
        )
    else:
        print("The database already holds data; no demo data loaded.", flush=True)
    connections.close_all()  # the worker opens its own; nothing shared across processes
    worker = multiprocessing.get_context("spawn").Process(
        target=_worker_process, args=(os.getpid(),), name="qamqor-worker", daemon=True
    )
    worker.start()
    _print_logins(f"http://127.0.0.1:{port}/")
    # A job started in the background by a script (bash without job control) inherits
    # SIGINT ignored, and Python then never raises KeyboardInterrupt: Ctrl-C, or the
    # interrupt a supervisor sends the process group, would stop the worker and leave
    # the web server running. The demo is stopped by Ctrl-C, so it takes it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
    except KeyboardInterrupt:
        pass
    except SystemExit as stop:  # runserver exits this way on Ctrl-C
        if stop.code not in (0, None):
            return int(stop.code) if isinstance(stop.code, int) else 1
    finally:
        _stop(worker)
    return 0


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(STOP_TIMEOUT_SECONDS)
    if process.is_alive():
        process.kill()
        process.join()


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _worker_process(parent_pid: int) -> None:
    """The worker in the demo's child process (spawned: it sets Django up afresh).

    It stops by itself if the demo process disappears without stopping it.
    """
    _setup_django()
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()
    _worker()


def _exit_with_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    os._exit(0)


def _worker() -> int:
    from qamqor.worker import run_forever

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how an operator stops it
        run_forever()
    return 0


def _serve(bind: str, workers: int) -> int:
    """Replace this process with gunicorn, which handles signals and worker restarts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "qamqor.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        # gunicorn's control socket would live in the home directory; operations use
        # signals and the supervisor instead.
        "--no-control-socket",
    ]
    os.execv(sys.executable, command)  # noqa: S606  fixed arguments, no shell
    return 0  # not reached


def _seed(*, schools: int, cases: int, force: bool) -> int:
    from django.core.management import call_command

    from qamqor.demo import SeedRefused, seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    try:
        summary = seed_demo(schools=schools, cases=cases, allow_existing=force)
    except SeedRefused as error:
        print(f"qamqor seed: {error}", file=sys.stderr)
        return 1
    print(
        f"Loaded {summary.regions} regions, {summary.cities} cities, "
        f"{summary.organisations} organisations ({summary.schools} schools), "
        f"{summary.users} users, {sum(summary.reports.values())} reports, "
        f"{sum(summary.cases.values())} cases in {summary.seconds:.1f} s."
    )
    return 0


def _seed_national(*, scale: float, years: int) -> int:
    from django.core.management import call_command

    from qamqor.demo.national import NationalSeedRefused, seed_national

    call_command("migrate", interactive=False, verbosity=0)
    try:
        summary = seed_national(scale=scale, years=years)
    except NationalSeedRefused as error:
        print(f"qamqor seed: {error}", file=sys.stderr)
        return 1
    counts = summary.counts
    print(
        f"Loaded the synthetic national dataset at scale {scale:g} over {years} years: "
        f"{counts['schools']} schools ({counts['private_schools']} private), "
        f"{counts['school_psychologists']} school psychologists, {counts['users']} users, "
        f"{counts['cases']} cases, {counts['steps']} steps ({counts['open_steps']} open, "
        f"{counts['overdue_steps']} overdue), {counts['referrals']} referrals, "
        f"{counts['consultations']} consultations, {counts['screenings']} screenings"
    )
    parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in summary.seconds.items())
    print(f"in {summary.total_seconds:.1f} s ({parts}).")
    if not summary.recounted:
        print("No statistics recount command is installed; the dashboards count live.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
