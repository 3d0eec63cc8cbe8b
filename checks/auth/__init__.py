"""Built-in `auth.*` checks."""
