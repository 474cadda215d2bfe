"""The regenerate-and-publish pipeline of toggl-track-client.

Each module is one step, run from the repository root by a Makefile target:
`generate` (make generate), `check_generated` (make check-generated), `release_check`
(make release-check, make changelog), `build` (make build), `publish` (make publish).
"""
