"""Benchmark harness: our server against `oxigraph serve-read-only` and rdflib-endpoint
on the same synthetic data (see bench/README.md). Not part of the test suite."""
