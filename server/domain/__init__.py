"""The warehouse's rules as plain Python: no Flask, no SQL."""
