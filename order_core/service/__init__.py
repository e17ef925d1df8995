"""Use cases: one function per operation, each inside a unit of work."""
