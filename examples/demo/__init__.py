"""The demo estate shipped with hardening: `hardening scan --demo` runs it."""
