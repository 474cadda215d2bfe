"""`python -m toggl_emulator`: the same as the `toggl-emulator` console script."""

from .cli import main

main()
