"""One worker of the shared-limits tests: N calls with the SDK, one JSON line per call.

python -m tests.sdk.limits_worker BASE_URL LIMITS CALLS RATE
"""

from __future__ import annotations

import json
import sys
import time

from toggl_track_client import QuotaExceededError, RateLimitError, Toggl

from tests.support import ADMIN_TOKEN, PREMIUM


def main(base_url: str, limits: str, calls: int, rate: float, start_at: float) -> None:
    options = {"limits": limits} if limits != "none" else {}
    time.sleep(max(0.0, start_at - time.time()))
    with Toggl(api_token=ADMIN_TOKEN, base_url=base_url, max_retries=0,
               max_requests_per_second=rate, **options) as toggl:  # type: ignore[arg-type]  # fmt: skip
        for _ in range(calls):
            try:
                toggl.clients.list(PREMIUM)
                outcome = "ok"
            except RateLimitError:
                outcome = "429"
            except QuotaExceededError as error:
                outcome = "402" if error.response is not None else "quota-refused"
            print(json.dumps({"outcome": outcome, "at": time.time()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
