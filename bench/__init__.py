"""The performance harness: `python -m bench` (see bench/README.md)."""
