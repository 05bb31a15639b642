"""`geocheck check --format html|markdown --lang --findings -o` from the command line."""

from __future__ import annotations

import json

import pyogrio

from cli_tools import invoke
from report_tools import DomSummary
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed


def test_html_written_atomically_with_o(gc302_split_construction_gpkg, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("old", encoding="utf-8")
    result = invoke("check", gc302_split_construction_gpkg, "-p", LENIENT, "-f", "html", "-o", out)
    assert result.exit_code == 1, result.output
    assert f"report written to {out}" in result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "不符合要求" in html and "GC302" in html
    dom = DomSummary(html)
    assert dom.img_srcs == [] and dom.tags["svg"] >= 2 and 'id="f-1" class="finding status-fail"' in html
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_markdown_in_english_to_stdout(compliant_gpkg):
    result = invoke("check", compliant_gpkg, "-p", LENIENT, "--format", "markdown", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Featured-town plan compliance report")
    assert "**Verdict: Compliant**" in result.output and "| GC501 | Core area covered by urban design |" in result.output


def test_findings_written_beside_json_report(gc311_construction_outside_gpkg, tmp_path, report_schema):
    findings = tmp_path / "findings.gpkg"
    result = invoke("check", gc311_construction_outside_gpkg, "-f", "json", "--findings", findings)
    assert result.exit_code == 1
    report_schema.validate(json.loads(result.stdout))  # stdout stays pure JSON
    assert f"findings written to {findings}" in result.stderr
    assert [name for name, _ in pyogrio.list_layers(findings)] == ["outside_boundary", "checks", "layer_styles"]


def test_unknown_language_refused(compliant_gpkg):
    result = invoke("check", compliant_gpkg, "-f", "html", "--lang", "fr")
    assert result.exit_code == 2 and "fr" in result.output
