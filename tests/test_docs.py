"""docs/ is generated from (or checked against) the live code."""

from __future__ import annotations

from pathlib import Path

from geocheck.checks import REGISTRY
from geocheck.rule_docs import generated, pages

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_rule_has_an_up_to_date_page():
    for name, text in pages().items():
        page = DOCS / "rules" / name
        assert page.exists(), f"missing {page}; run python -m geocheck.rule_docs docs"
        assert page.read_text(encoding="utf-8") == text, f"{page} is stale; run python -m geocheck.rule_docs docs"


def test_every_rule_doc_explains_what_why_how():
    for code, rule in REGISTRY.items():
        for heading in ("**What it checks.**", "**Why.**", "**How it is measured.**", "**Example.**"):
            assert heading in rule.doc, (code, heading)


def test_verdict_page_and_schema_enums_are_generated_from_the_registries():
    for path, text in generated(DOCS).items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale; run python -m geocheck.rule_docs docs"
    schema = (DOCS / "report.schema.json").read_text(encoding="utf-8")
    assert '"not_run"' in schema and '"incomplete"' in schema
