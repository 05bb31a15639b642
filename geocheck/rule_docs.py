"""Generate docs/rules/GCxxx.md from the live registry and bundled profiles.

    python -m geocheck.rule_docs docs/rules

The test-suite regenerates the pages and compares, so the docs cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .checks import REGISTRY
from .checks.registry import Rule
from .profile import bundled_profiles, load_profile
from .roles import ROLES


def render_rule_page(rule: Rule) -> str:
    fam_zh, fam_en = rule.family
    lines = [
        f"# {rule.code} — {rule.title_zh} / {rule.title_en}",
        "",
        f"Family {rule.code[:3]}xx: {fam_zh} / {fam_en}.",
        "",
    ]
    if rule.roles:
        roles = ", ".join(f"{ROLES[r].title_en} ({ROLES[r].title_zh})" for r in rule.roles)
        lines += [f"Needs: {roles}. A needed role the profile marks required but the submission lacks "
                  "fails this rule; an optional one skips it.", ""]
    lines += [rule.doc, "", "## Parameters", ""]
    lines += ["| key | meaning |", "| --- | --- |",
              "| `severity` | `error` (a violation fails the submission) or `warning` |",
              "| `source` | the policy source the threshold comes from (required) |",
              "| `note` | why the profile chose this value (optional) |"]
    for key, spec in rule.params.items():
        required = " (required)" if key in rule.required_params else ""
        lines.append(f"| `{key}` | {_describe(spec)}{required} |")
    lines += ["", "## In the bundled profiles", ""]
    used = False
    for name, path in sorted(bundled_profiles().items()):
        settings = load_profile(path).rules.get(rule.code)
        if not settings:
            continue
        used = True
        values = ", ".join(f"`{k} = {v}`" for k, v in settings.items() if k not in ("source", "note"))
        lines.append(f"- **{name}**: {values} — {settings['source']}")
        if settings.get("note"):
            lines.append(f"  ({settings['note']})")
    if not used:
        lines.append("Not used by any bundled profile.")
    lines += ["", f"Run `geocheck explain {rule.code}` for this page in the terminal.", ""]
    return "\n".join(lines)


def _describe(spec: dict) -> str:
    if "enum" in spec:
        kind = " or ".join(f"`{v}`" for v in spec["enum"])
        return f"{spec['description']}: {kind}" if "description" in spec else kind
    bits = [spec.get("description", "") + ":" if "description" in spec else "", spec.get("type", "")]
    if "minimum" in spec:
        bits.append(f"≥ {spec['minimum']}")
    if "exclusiveMinimum" in spec:
        bits.append(f"> {spec['exclusiveMinimum']}")
    if "maximum" in spec:
        bits.append(f"≤ {spec['maximum']}")
    return " ".join(b for b in bits if b)


def render_index() -> str:
    lines = ["# Rule codes", "", "| code | 标题 | title |", "| --- | --- | --- |"]
    for code, rule in sorted(REGISTRY.items()):
        lines.append(f"| [{code}]({code}.md) | {rule.title_zh} | {rule.title_en} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    out = {f"{code}.md": render_rule_page(rule) for code, rule in sorted(REGISTRY.items())}
    out["README.md"] = render_index()
    return out


def main(argv=None):
    folder = Path((argv or sys.argv[1:] or ["docs/rules"])[0])
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages())} pages to {folder}")


if __name__ == "__main__":
    main()
