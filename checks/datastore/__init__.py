"""Built-in `datastore.*` checks."""
