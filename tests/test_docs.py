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


def test_schema_measurement_properties_are_the_report_keys_in_report_order(compliant_gpkg, report_schema):
    # a real check on the bundled compliant town: its headline keys, in order, are the schema's
    import geocheck

    report = geocheck.check(compliant_gpkg).to_dict()
    props = report_schema.schema["properties"]["measurements"]["properties"]
    assert list(report["measurements"]) == list(props)
    report_schema.validate(report)


def test_a_new_role_figure_reaches_the_schema_without_an_edit(monkeypatch):
    import geocheck.rule_docs as rule_docs

    text = (DOCS / "report.schema.json").read_text(encoding="utf-8")
    monkeypatch.setattr(rule_docs, "AREA_FIGURES", rule_docs.AREA_FIGURES + (("parcels", "parcel_layer_area"),))
    out = rule_docs.schema_measurements(text)
    assert '"parcel_layer_area_m2": {"$ref": "#/$defs/area_or_null"},' in out
    assert '"parcel_layer_area_geodesic_m2": {"$ref": "#/$defs/area_or_null"},' in out
    # the hand-typed figures after a role keep their types
    assert '"urban_design_coverage_pct": {"type": ["number", "null"], "minimum": 0, "maximum": 100},' in out
