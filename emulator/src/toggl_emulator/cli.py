"""`toggl-emulator`: serve the Toggl emulator over HTTP (what `make emulator` runs).

It binds first and then announces the address it really got (`--port 0` picks a free port);
SIGTERM and SIGINT shut it down cleanly (exit 0). It listens on this machine only unless
`--allow-remote` is given, which also guards the control plane with a token printed at start.
`--check-seed FILE` checks a seed and exits.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import secrets
import signal
import sys

from .app import API_PREFIX, create_app
from .options import EmulatorOptions
from .seed import credentials_summary, load_seed
from .seed_schema import SeedError
from .serve import ServeLimits, bind, serve_socket

DEFAULTS = ServeLimits()
CONTROL_TOKEN_HEADER = "X-Emulator-Token"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toggl-emulator",
        description="Serve a stateful emulator of the Toggl Track API v9 Clients and Projects resources.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--host", default="127.0.0.1",
        help="address to listen on; another than this machine's needs --allow-remote",
    )  # fmt: skip
    parser.add_argument(
        "--port", type=int, default=4010, help="port to listen on; 0 picks a free one"
    )
    parser.add_argument(
        "--allow-remote", action="store_true",
        help="listen on a non-loopback address; the control plane (/_emulator/*) then needs the "
        f"token printed at start, in an {CONTROL_TOKEN_HEADER} header",
    )  # fmt: skip
    parser.add_argument("--seed", help="seed file (JSON or YAML) instead of the default seed")
    parser.add_argument(
        "--check-seed", metavar="FILE", help="check a seed file, say what is wrong, and exit"
    )
    limits = parser.add_argument_group("Toggl's limits and faults (all off by default)")
    limits.add_argument(
        "--rate-limit", type=float, metavar="RPS", help="leaky bucket per token → 429"
    )
    limits.add_argument(
        "--hourly-quota",
        type=int,
        metavar="N",
        help="requests per user and workspace per hour → 402",
    )
    limits.add_argument(
        "--error-rate", type=float, default=0.0, metavar="P", help="share of random 500s"
    )
    limits.add_argument("--fault-seed", type=int, help="seed of the random faults")
    limits.add_argument("--latency", type=float, default=0.0, metavar="MS", help="added latency")
    server = parser.add_argument_group("protection against slow and abusive clients")
    server.add_argument(
        "--max-body-bytes", type=int, default=EmulatorOptions.max_body_bytes,
        help="larger request bodies get a 400",
    )  # fmt: skip
    server.add_argument(
        "--header-timeout", type=float, default=DEFAULTS.header_timeout, metavar="S",
        help="close a connection whose request headers take longer",
    )  # fmt: skip
    server.add_argument(
        "--body-timeout", type=float, default=DEFAULTS.body_timeout, metavar="S",
        help="close a connection whose request body takes longer after its headers",
    )  # fmt: skip
    server.add_argument(
        "--keep-alive-timeout", type=int, default=DEFAULTS.keep_alive_timeout, metavar="S",
        help="close an idle keep-alive connection",
    )  # fmt: skip
    server.add_argument(
        "--max-connections", type=int, default=DEFAULTS.max_connections, metavar="N",
        help="past it, a new connection evicts the one waiting longest for its request",
    )  # fmt: skip
    server.add_argument(
        "--max-header-bytes", type=int, default=DEFAULTS.max_header_bytes, metavar="N",
        help="a request line and headers larger than this get a 431",
    )  # fmt: skip
    parser.add_argument(
        "--log-level", default="warning",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn's log level",
    )  # fmt: skip
    return parser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.check_seed:
        try:
            load_seed(args.check_seed)
        except (SeedError, OSError, ValueError) as error:
            sys.exit(f"toggl-emulator: {error}")
        print(f"{args.check_seed}: a valid seed")
        return
    if not is_loopback(args.host) and not args.allow_remote:
        sys.exit(
            f"toggl-emulator: --host {args.host} would serve every client and credential of the "
            "seed to the network; add --allow-remote to mean it (the control plane then needs a "
            "token)"
        )
    try:
        seed = load_seed(args.seed)
        options = EmulatorOptions(
            seed=seed,
            rate_limit=args.rate_limit,
            hourly_quota=args.hourly_quota,
            error_rate=args.error_rate,
            fault_seed=args.fault_seed,
            latency_ms=args.latency,
            max_body_bytes=args.max_body_bytes,
            control_token=secrets.token_urlsafe(24) if args.allow_remote else None,
        )
    except (SeedError, OSError, ValueError) as error:
        sys.exit(f"toggl-emulator: {error}")
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        sys.exit(f"toggl-emulator: cannot listen on {args.host}:{args.port}: {error.strerror}")
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Toggl emulator at http://{shown}:{port}{API_PREFIX}")
    if options.control_token:
        print(f"Control plane token ({CONTROL_TOKEN_HEADER} header): {options.control_token}")
    print("Seeded credentials (Basic auth: email:password, or <token>:api_token):")
    print("\n".join(credentials_summary(seed)), flush=True)
    limits = ServeLimits(
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        keep_alive_timeout=args.keep_alive_timeout,
        max_connections=args.max_connections,
        max_header_bytes=args.max_header_bytes,
    )
    # uvicorn shuts down on SIGTERM, then raises it again for the handler it found: a handler
    # that does nothing makes that a clean exit, not a death by signal.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: the same clean stop
        serve_socket(create_app(options), sock, limits, log_level=args.log_level)
