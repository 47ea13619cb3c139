"""The API against a real client built from its own OpenAPI document (issue 21, item 10): schemathesis'
engine (its python API, what `st run --checks all` runs) against the ASGI app with every check and
every phase (examples, coverage: wrong methods, missing headers, bodies that are no JSON; fuzzing;
stateful). Every status, content type and error body the app sends must be the one the document
describes: the run ends with no failure and no error."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from assistant.components import Components

from .conftest import SAMPLE

KEY = "schema-key"
pytestmark = pytest.mark.slow


def _app():
    import app as app_module

    d = Path(tempfile.mkdtemp(prefix="ra-schema-"))
    comp = Components.from_settings(index_dir=d / "index", admin_key=KEY, rate_limit_per_minute=0,
                                    request_limit_per_minute=0, key_failures_per_minute=0, max_upload_mb=1)
    comp.indexer.index([SAMPLE])
    return app_module.build_app(comp)


def run_schemathesis(app, max_examples: int = 20) -> tuple[list[str], int]:
    """Failures and errors of one run (as lines for people), and how many cases were sent."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema

    config = SchemathesisConfig.from_dict({
        "seed": 20261205,            # the same cases on every run: CI is repeatable (a new seed explores more)
        "checks": {"enabled": True},
        "generation": {"max-examples": max_examples, "database": "none"},
        "phases": {"stateful": {"enabled": True}},
    })
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, config=config)
    problems, cases = [], 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        info = check.failure_info
                        problems.append(f"{check.name}: {case.method} {case.formatted_path} -> "
                                        f"{getattr(info.failure, 'title', '')} {getattr(info.failure, 'message', '')}"[:400])
            if event.status == Status.ERROR:
                problems.append(f"error in {event.label}: {event.recorder.errors if hasattr(event.recorder, 'errors') else ''}")
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            problems.append(f"{type(event).__name__}: {getattr(event, 'info', '') or getattr(event, 'exception', '')}"[:400])
    return sorted(set(problems)), cases


def test_schemathesis_finds_nothing():
    problems, cases = run_schemathesis(_app())
    assert cases > 200, cases
    assert problems == [], "\n".join(problems)
