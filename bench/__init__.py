"""Benchmarks: `python -m bench` measures the services over HTTP beside a minimal ceiling app; the scripts
beside this file measure parts in process."""
