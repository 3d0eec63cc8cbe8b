"""The built-in check pack, registered in the `hardening.checks` entry-point group.

One module per check: `<domain>/<condition>.py`, the condition named after the bad state.
"""
