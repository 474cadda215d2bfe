"""Each rule of `rules.py` on the in-process emulator, passing and with one drift of an answer."""
