"""A bench-only app: the floor endpoint that the publish benchmarks are measured against."""
