"""The checks of ``server.report.check`` run beside SHACL, which runs in a thread: an
error (or Ctrl-C) in them is raised at once, not after the validation ends (pySHACL
takes minutes on large data)."""
from __future__ import annotations

import threading
import time

import pytest

import server.report as report
from server.config import DEFAULTS
from server.loader import load_dataset
from server.validation import ValidationReport


@pytest.fixture(scope="module")
def loaded():
    return load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"],
                        DEFAULTS["BASE_IRI"])


@pytest.mark.parametrize("error", [RuntimeError("provenance check crashed"), KeyboardInterrupt()])
def test_an_error_beside_a_long_validation_is_raised_at_once(loaded, monkeypatch, error):
    released = threading.Event()

    def slow_validator(data, shapes, ontology):      # a validation of many minutes
        released.wait(60)
        return ValidationReport(results=[])

    def failing(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(report, "check_provenance", failing)
    began = time.perf_counter()
    try:
        with pytest.raises(type(error)):
            report.check(loaded, DEFAULTS["BASE_IRI"], validator=slow_validator)
        assert time.perf_counter() - began < 10
    finally:
        released.set()


def test_the_validation_still_gives_its_report(loaded):
    outcome = report.check(loaded, DEFAULTS["BASE_IRI"],
                           validator=lambda data, shapes, ontology: ValidationReport(results=[]))
    assert outcome.report.results == [] and outcome.summary["triples"] > 0
