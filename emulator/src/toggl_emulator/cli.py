"""`toggl-emulator`: serve the Toggl emulator over HTTP (what `make emulator` runs)."""

from __future__ import annotations

import argparse

from .app import API_PREFIX, create_app
from .options import EmulatorOptions
from .seed import credentials_summary, load_seed
from .serve import ServeLimits, serve

DEFAULTS = ServeLimits()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="toggl-emulator",
        description="Serve a stateful emulator of the Toggl Track API v9 Clients and Projects resources.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4010)
    parser.add_argument("--seed", help="seed file (JSON or YAML) instead of the default seed")
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
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    seed = load_seed(args.seed)
    app = create_app(
        EmulatorOptions(
            seed=seed,
            rate_limit=args.rate_limit,
            hourly_quota=args.hourly_quota,
            error_rate=args.error_rate,
            fault_seed=args.fault_seed,
            latency_ms=args.latency,
            max_body_bytes=args.max_body_bytes,
        )
    )
    print(f"Toggl emulator at http://{args.host}:{args.port}{API_PREFIX}")
    print("Seeded credentials (Basic auth: email:password, or <token>:api_token):")
    print("\n".join(credentials_summary(seed)), flush=True)
    limits = ServeLimits(
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        keep_alive_timeout=args.keep_alive_timeout,
        max_connections=args.max_connections,
    )
    serve(app, args.host, args.port, limits, log_level=args.log_level)
