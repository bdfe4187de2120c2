"""Use cases: each is one database transaction and raises WmsError with a code when it refuses."""
