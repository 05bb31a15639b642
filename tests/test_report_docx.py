"""The Word opinion (初审意见 draft): written by `geocheck check -f docx -o`, read back with
python-docx and held against the JSON report's numbers and plain arithmetic."""

from __future__ import annotations

import io
import json
import re

import pytest
from docx import Document
from PIL import Image

from cli_tools import assert_one_line_error, invoke
from report_tools import REPO
from lenient_profiles import references_optional

LENIENT = references_optional("zhejiang-2015")  # reading and geometry tests: no reference layers needed

SAMPLE = ["check", "sample_data/noncompliant_town", "--config", "sample_data/geocheck.toml"]
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}")


@pytest.fixture(scope="module")
def opinion(tmp_path_factory):
    """The sample town's opinion and its JSON report, from the command line."""
    import os

    out = tmp_path_factory.mktemp("docx") / "opinion.docx"
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        result = invoke(*SAMPLE, "-f", "docx", "-o", out)
        report = json.loads(invoke(*SAMPLE, "-f", "json").stdout)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output
    assert f"non_compliant: report written to {out}" in result.output
    return Document(str(out)), report, out


def cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_opinion_has_the_reviewers_sections_in_order(opinion):
    doc, report, _ = opinion
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == ["特色小镇规划成果初审意见（草稿）", "一、项目概况", "二、审查依据", "三、审查结论", "四、问题清单",
                        "五、附图", "六、假设与说明"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "经 geocheck 自动检查，结论：不符合要求。" in text
    counts = {s: sum(c["status"] == s for c in report["checks"]) for s in ("fail", "warn", "pass", "skip")}
    assert (f"共检查 {len(report['checks'])} 项：不通过 {counts['fail']} 项，警告 {counts['warn']} 项"
            in text)
    assert report["profile"]["source"] in text and "zhejiang-2015" in text


def test_issue_list_holds_each_failed_and_warned_check_with_value_requirement_source(opinion):
    doc, report, _ = opinion
    issues = next(t for t in doc.tables if cells(t)[0][:2] == ["序号", "代码"])
    rows = cells(issues)[1:]
    listed = [c for s in ("fail", "not_run", "warn") for c in report["checks"] if c["status"] == s]
    assert [r[1] for r in rows] == [c["code"] for c in listed]
    for row, c in zip(rows, listed):
        assert row[3] == {"fail": "不通过", "warn": "警告", "not_run": "未执行"}[c["status"]]
        source = report["profile"]["sources_zh"].get(c["code"], c["source"])  # Chinese where the profile has it
        assert row[6].replace("\u00a0", " ") == source and c["title_zh"] in row[2]
    gc311 = next(r for r in rows if r[1] == "GC311")
    m2 = next(c for c in report["checks"] if c["code"] == "GC311")["measured"]["m2"]
    mu = m2 * 15 / 10_000  # 1 亩 = 10 000/15 m²
    assert f"{round(m2):,}".replace(",", "\u202f") in gc311[4] and f"{round(mu)}\u00a0亩" in gc311[4]
    assert "≤ 1" in gc311[5]


def test_project_overview_areas_match_the_report(opinion):
    doc, report, _ = opinion
    areas = next(t for t in doc.tables if cells(t)[0][1:3] == ["km²", "亩"])
    planned = next(r for r in cells(areas) if r[0] == "规划范围")
    m2 = report["measurements"]["planned_area_m2"]
    assert planned[1] == f"{m2 / 1e6:.3f}"
    assert planned[2].replace("\u202f", "") == f"{m2 * 15 / 10_000:.0f}"
    assert planned[3].replace("\u202f", "") == f"{m2:.0f}"
    meta = cells(doc.tables[0])
    assert meta[0] == ["送审成果", "sample_data/noncompliant_town"] and "EPSG:4549" in meta[1][1]


def test_map_picture_and_legend_attached(opinion):
    doc, report, out = opinion
    (shape,) = doc.inline_shapes
    assert shape.width.cm == pytest.approx(16.5, abs=0.01)
    blob = next(r.target_part.blob for r in doc.part.rels.values() if "image" in r.reltype)
    img = Image.open(io.BytesIO(blob))
    assert img.format == "PNG" and img.size[0] >= 1200
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "图 1" in text and "图例：" in text
    legend = [c for t in doc.tables for row in cells(t) for c in row]
    assert "问题·不通过（实线、交叉斜线）" in legend and "问题·警告（虚线、单向斜线）" in legend
    assert "生态保护红线" in legend and "规划范围" in legend
    located = next(t for t in doc.tables if cells(t)[0][:2] == ["#", "代码"])
    assert len(cells(located)) - 1 == sum(len([f for f in c["features"] if f["geometry"]]) for c in report["checks"])


def test_opinion_is_chinese(opinion):
    doc, _, _ = opinion
    parts = [p.text for p in doc.paragraphs] + [c for t in doc.tables for row in cells(t) for c in row]
    english = [m for text in parts for m in ENGLISH.findall(text)]
    assert english == []


def test_docx_needs_an_output_file(compliant_gpkg):
    assert_one_line_error(invoke("check", compliant_gpkg, "-f", "docx"), "-o")


def test_docx_written_atomically(compliant_gpkg, tmp_path):
    out = tmp_path / "op.docx"
    out.write_bytes(b"old")
    result = invoke("check", compliant_gpkg, "-p", LENIENT, "-f", "docx", "-o", out)
    assert result.exit_code == 0, result.output
    doc = Document(str(out))
    assert "经 geocheck 自动检查，结论：符合要求。" in [p.text for p in doc.paragraphs]
    assert "未发现不通过、警告或未执行的检查项。" in [p.text for p in doc.paragraphs]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "compliant.gpkg") == ["op.docx"]


def test_batch_writes_an_opinion_per_submission(tmp_path):
    import towns

    rounds = tmp_path / "round"
    rounds.mkdir()
    towns.write_gpkg(rounds / "good.gpkg", towns.compliant_layers())
    towns.write_gpkg(rounds / "outside.gpkg", towns.variant("outside"))
    result = invoke("batch", rounds, "-o", tmp_path / "out", "-j", "1", "-f", "docx", "--no-findings",
                    "-p", LENIENT)
    assert result.exit_code == 1, result.output
    verdicts = {}
    for name in ("good", "outside"):
        doc = Document(str(tmp_path / "out" / name / "opinion.docx"))
        verdicts[name] = next(p.text for p in doc.paragraphs if p.text.startswith("经 geocheck"))
    assert verdicts == {"good": "经 geocheck 自动检查，结论：符合要求。",
                        "outside": "经 geocheck 自动检查，结论：不符合要求。"}


def test_incomplete_verdict_and_not_run_checks_in_every_format(compliant_gpkg, tmp_path):
    """zhejiang-2015 requires reference layers: without them the checks that need them do not
    run and the verdict is incomplete (exit 3), said as such in every format, never as compliant."""
    report = json.loads(invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-f", "json").stdout)
    not_run = [c["code"] for c in report["checks"] if c["status"] == "not_run"]
    assert report["verdict"] == "incomplete" and not_run
    quiet = invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-q")
    assert quiet.exit_code == 3 and quiet.stdout.startswith("未完成 — incomplete: ")
    assert f"未执行 not_run {len(not_run)}" in quiet.stdout
    text = invoke("check", compliant_gpkg, "-p", "zhejiang-2015", env={"COLUMNS": "80"}).stdout
    block = text.split(f"未执行 Not run ({len(not_run)})")[1].split("通过 Pass")[0]
    assert all(code in block for code in not_run)
    html_path, docx_path = tmp_path / "r.html", tmp_path / "r.docx"
    assert invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-f", "html", "-o", html_path).exit_code == 3
    html = html_path.read_text(encoding="utf-8")
    assert 'class="verdict incomplete"' in html and "结论：未完成" in html
    assert len(re.findall(r'<tr class="check check-not_run"', html)) == len(not_run)
    assert invoke("check", compliant_gpkg, "-p", "zhejiang-2015", "-f", "docx", "-o", docx_path).exit_code == 3
    doc = Document(str(docx_path))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "经 geocheck 自动检查，结论：未完成。" in paragraphs
    assert any(p.startswith("部分必需检查未能执行") for p in paragraphs)
    issues = next(t for t in doc.tables if cells(t)[0][:2] == ["序号", "代码"])
    assert [r[1] for r in cells(issues)[1:]] == not_run and {r[3] for r in cells(issues)[1:]} == {"未执行"}


def test_opinion_of_a_submission_that_could_not_be_checked():
    from geocheck.findings import Report
    from geocheck.report import render_docx

    doc = Document(io.BytesIO(render_docx(Report.failed("0.1", "坏.gpkg", "cannot open <b>"))))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "经 geocheck 自动检查，结论：无法检查。" in paragraphs and "cannot open <b>" in paragraphs
    assert "送审成果无法读取或量算，请核对数据后重新报送。" in paragraphs and not doc.inline_shapes
