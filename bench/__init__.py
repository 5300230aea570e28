"""Scale data and load measurements for Rounds (``make bench``). See docs/benchmarks.md."""
