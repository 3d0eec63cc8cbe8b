"""Built-in `placement.*` checks."""
