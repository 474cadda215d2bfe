"""The regenerate-and-publish pipeline of toggl-track-client (and toggl-track-emulator).

Each module is one step, run from the repository root by a Makefile target:
`generate` (make generate), `check_generated` (make check-generated), `release_check`
(make release-check, make bump, make changelog; with `api_diff` and `versions`), `build`
(make build), `publish` (make publish), `docs` (make docs). `layout` says where things are.
"""
