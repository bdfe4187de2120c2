"""Day one: the imports a new warehouse starts from, by kind, and what is set up so far."""
