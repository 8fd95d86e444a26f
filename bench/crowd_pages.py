"""Requests per second of the pages a crowd opens at once, against a trivial GET served by
the same gunicorn in the same run.

After an assembly a whole school scans the QR poster: ``/report/<school>/`` (the public
report form); a screening campaign sends a class to the questionnaire behind its one-time
code (``/s/answer/``); everybody else lands on ``/``. Each is measured through gunicorn
(``qamqor serve``'s server, with DEBUG off as in the demo) by concurrent client processes
using only the standard library, in alternating rounds with the reference: a trivial
Django view behind the same middleware, defined only in bench/crowd_urls.py.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from http.cookies import SimpleCookie

from harness import ROOT, setup_django

BENCH = ROOT / "bench"


def seed() -> tuple[str, str]:
    """A migrated database with the test world and one screening code: (school, code)."""
    setup_django(QAMQOR_TASK_BACKEND="django_tasks.backends.dummy.DummyBackend")
    from qamqor.cases.models import Child
    from qamqor.cases.services import new_child_code
    from qamqor.instruments import services
    from qamqor.instruments.models import Administration
    from tests.factories import build_world

    world = build_world()
    today = services.today()
    birth = today.replace(year=today.year - 13) - timedelta(days=40)
    Child.objects.bulk_create(
        Child(
            code=new_child_code(),
            region=world.a.region,
            school=world.a.school,
            birth_date=birth,
            sex="girl" if i % 2 else "boy",
            class_label="7A",
            synthetic=True,
        )
        for i in range(4)
    )
    campaign = services.create_campaign(
        actor=world.regional_a,
        title="Bench",
        instrument_code="phq_a",
        area=services.CampaignArea(level="region", region=world.a.region),
        opens_on=today,
        closes_on=today + timedelta(days=30),
        consent_required=False,
    )
    services.enrol_area(campaign.pk)
    administration = Administration.objects.filter(campaign=campaign).order_by("pk").first()
    assert administration is not None
    return world.a.school.code, services.access_code_for(administration)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn as ``qamqor serve`` starts it, on the benchmark's database and URLconf."""
    environment = dict(os.environ)
    environment["DJANGO_SETTINGS_MODULE"] = "crowd_settings"
    environment["PYTHONPATH"] = os.pathsep.join([str(BENCH), str(ROOT)])
    environment["QAMQOR_DEBUG"] = "0"
    environment["QAMQOR_ALLOWED_HOSTS"] = "127.0.0.1"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "qamqor.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--no-control-socket",
    ]
    server = subprocess.Popen(  # noqa: S603  fixed arguments
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/bench/trivial/")[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not answer within 30 s")


def get(port: int, path: str, cookie: str = "") -> tuple[int, bytes, list[str]]:
    """One GET on a fresh connection (gunicorn's sync workers close after each answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read()
        return response.status, body, response.headers.get_all("Set-Cookie") or []
    finally:
        connection.close()


def _client(port: int, path: str, cookie: str, seconds: float, results: object) -> None:
    done = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = get(port, path, cookie)[0]
        if status == 200:
            done += 1
        else:
            failed += 1
    results.put((done, failed))  # type: ignore[attr-defined]


def requests_per_second(
    port: int, path: str, cookie: str, *, clients: int, seconds: float
) -> float:
    """Answers per second from ``clients`` processes each sending GETs back to back."""
    results: multiprocessing.Queue[tuple[int, int]] = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=_client, args=(port, path, cookie, seconds, results))
        for _ in range(clients)
    ]
    start = time.monotonic()
    for process in processes:
        process.start()
    counts = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - start
    failed = sum(f for _, f in counts)
    if failed:
        raise SystemExit(f"{path}: {failed} answers were not 200")
    return sum(d for d, _ in counts) / elapsed


def screening_session(port: int, code: str) -> str:
    """Open the child's one-time link once: the session cookie that holds the code."""
    status, _body, cookies = get(port, f"/s/{code}/")
    if status != 302:
        raise SystemExit(f"/s/<code>/ answered {status}, not a redirect")
    jar = SimpleCookie()
    for header in cookies:
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (4)")
    parser.add_argument("--seconds", type=float, default=4.0, help="per page per round (4)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    args = parser.parse_args()

    school, code = seed()
    port = free_port()
    server = start_gunicorn(port, args.workers)
    try:
        cookie = screening_session(port, code)
        pages = [
            ("trivial GET (reference)", "/bench/trivial/", ""),
            ("/report/<school>/", f"/report/{school}/", ""),
            ("/ (landing)", "/", ""),
            ("/s/answer/ (screening)", "/s/answer/", cookie),
        ]
        for _name, path, jar in pages:  # warm each worker's caches, check the answers
            for _ in range(4 * args.workers):
                status = get(port, path, jar)[0]
                if status != 200:
                    raise SystemExit(f"{path} answered {status}, not 200")
        rates: dict[str, list[float]] = {name: [] for name, _, _ in pages}
        for _ in range(args.rounds):
            for name, path, jar in pages:
                rates[name].append(
                    requests_per_second(port, path, jar, clients=args.clients, seconds=args.seconds)
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"gunicorn {args.workers} workers, {args.clients} client processes, "
        f"{args.rounds} rounds of {args.seconds:g} s; load average {load}"
    )
    reference = statistics.median(rates[pages[0][0]])
    for name, _, _ in pages:
        median = statistics.median(rates[name])
        spread = "–".join(f"{min(rates[name]):.0f} {max(rates[name]):.0f}".split())
        print(
            f"{name:26s} {median:8.0f} req/s (rounds {spread})  "
            f"{median / reference:6.1%} of the trivial GET"
        )


if __name__ == "__main__":
    main()
