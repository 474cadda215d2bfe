"""The hand-written runtime of toggl_track_client: plain Python modules, checked on their own.

`make generate` copies this folder into the generated package as `toggl_track_client._runtime`;
the generated code (client, errors, resource clients, operation modules) imports from it. Nothing
here knows the spec: what the spec decides is generated, how a call behaves is written here.

- `constants`: defaults (base URL, timeout, deadline, retries, Toggl's safe rate, caps)
- `exceptions`: the error tree and the one function that maps a response to its error
- `retry`: when to send again and how long to wait; the one `Retry-After` parser
- `pacing`, `quota`: the request pacer and the quota readings, shared by a client's copies
- `transport`: the httpx transports that pace, retry, log and keep the deadline
- `client`: the low-level `Client` / `AuthenticatedClient` the operation modules take
- `calls`: what a typed call does with a response (raise, validate, parse)
- `validation`: checks a parsed model against its annotations
- `resource`: the base of the generated resource clients, raw responses and pagination
- `logs`: the package logger, and `TOGGL_LOG` to turn it on
"""
