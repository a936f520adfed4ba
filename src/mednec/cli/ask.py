"""`mednec ask` (a plain-language question, optionally with a note) and `mednec extract` (a note
-> a case file with provenance).

Registered on the main app by ``register(app)``. Only typer and the standard library are
imported here; spaCy and medspaCy load only when a note is read, so ``mednec evaluate``
starts no slower.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from mednec.ask import Answer
    from mednec.intake.question import Understanding
    from mednec.intake.text.model import Finding

__all__ = ["case_yaml", "register", "understood_lines"]


class AskFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


class CaseFormat(str, Enum):
    yaml = "yaml"
    json = "json"


def _today(as_of: str | None) -> dt.date:
    from mednec.cli.common import as_of_date

    return as_of_date(as_of) or dt.date.today()


def _value_text(f: Finding) -> str:
    v = f.value
    if f.fact == "rbc_transfusions" and isinstance(v, list):
        if not v:
            return "none"
        units = sum(float(e["units"]) for e in v)
        return f"{len(v)} transfusions, {units:g} units, {v[0]['date'].isoformat()} to {v[-1]['date'].isoformat()}"
    if f.fact == "esa_history" and isinstance(v, list):
        if not v:
            return "none (ESA-naive)"
        return "; ".join(f"{c['drug']} {c['start'].isoformat()} to {c['end'].isoformat() if c.get('end') else 'now'}, "
                         f"{str(c['response']).replace('_', ' ')}" for c in v)
    return f.shown() + (f" ({f.date.isoformat()})" if f.date and not isinstance(v, list) else "")


def understood_lines(u: Understanding, labels: dict[str, str]) -> list[tuple[str, str, str]]:
    """(what, value, words) rows for "What I understood", then unused, conflicts, not understood."""
    rows: list[tuple[str, str, str]] = []
    if u.drug is not None:
        where = f'"{u.drug.span.text}"' if u.drug.span.text else "--drug"
        note = f" ({u.drug.note})" if u.drug.note else ""
        rows.append(("drug", f"{u.drug.name} -> policy {u.drug.policy_id}{note}", where))
    for d in u.drugs:
        if d.policy_id is None and not d.consumed:
            rows.append(("drug (not in the pack)", d.name, f'"{d.span.text}"'))
    for f in u.facts:
        extra = f" [{f.kind}: {f.note}]" if f.kind != "stated" or f.note else ""
        src = "" if f.source == "question" else f" ({f.source})"
        rows.append((labels.get(f.fact, f.fact), _value_text(f) + extra, f'"{f.span.text}"{src}'))
    for x in u.unused:
        rows.append(("not used", x.reason, f'"{x.span.text}"' + ("" if x.source == "question" else f" ({x.source})")))
    for c in u.conflicts:
        rows.append(("conflict", f"{labels.get(c.fact, c.fact)}: kept {_value_text(c.kept)} ({c.kept.source}) over "
                                 f"{_value_text(c.dropped)} ({c.dropped.source}): {c.reason}",
                     f'"{c.kept.span.text}" / "{c.dropped.span.text}"'))
    for s in u.not_understood:
        rows.append(("not understood", "", f'"{s.text}"'))
    return rows


def _labels() -> dict[str, str]:
    from mednec.cli.common import fact_labels

    return fact_labels()


def _print_text(a: Answer) -> None:
    from rich.markup import escape
    from rich.table import Table

    from mednec.cli.common import out

    console = out()
    table = Table(title="What I understood", title_justify="left", expand=True, show_lines=False)
    table.add_column("fact", ratio=2)
    table.add_column("value", ratio=5)
    table.add_column("from the words", ratio=3)
    for what, value, words in understood_lines(a.understood, _labels()):
        style = "yellow" if what in ("not used", "not understood", "conflict", "drug (not in the pack)") else ""
        table.add_row(escape(what), escape(value), escape(words), style=style)
    console.print(table)
    if a.determination is not None:
        from mednec.render.terminal import print_determination

        print_determination(a.determination, console, _labels())
        return
    console.print(f"\n[bold]{escape(a.message)}.[/bold]")
    if a.overview:
        from mednec.render.common import VERDICT_WORD

        for row in a.overview:
            console.print(f"  • {row['drug']} ({', '.join(row['brands'])}): {VERDICT_WORD[row['determination']]}"
                          + (f" — {row['pathway']}" if row["pathway"] else ""))
        console.print("  Ask again with --drug NAME for the full determination.")
    if a.closest:
        console.print("\nQuestions mednec can answer:")
        for q in a.closest:
            console.print(f"  • {escape(q)}")


def _markdown(a: Answer) -> str:
    out = ["## What I understood", ""]
    for what, value, words in understood_lines(a.understood, _labels()):
        out.append(f"- **{what}**: {value} — {words}".replace("|", "\\|"))
    out.append("")
    if a.determination is not None:
        from mednec.render.markdown import determination_markdown

        return "\n".join(out) + "\n" + determination_markdown(a.determination)
    out += [f"**{a.message}.**", ""]
    for row in a.overview:
        out.append(f"- {row['drug']}: {row['determination']}" + (f" ({row['pathway']})" if row["pathway"] else ""))
    if a.closest:
        out += ["", "Questions mednec can answer:", ""] + [f"- {q}" for q in a.closest]
    return "\n".join(out) + "\n"


def ask(
    question: Annotated[str, typer.Argument(help="The question in plain language.", show_default=False)],
    note: Annotated[Path | None, typer.Option("--note", "-n", help="A clinical note to read with the question.")] = None,  # noqa: E501
    drug: Annotated[str | None, typer.Option("--drug", "-d", help="The drug, when the question does not name it.")] = None,  # noqa: E501
    fmt: Annotated[AskFormat, typer.Option("--format", "-f", help="text, json or markdown.")] = AskFormat.text,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default today).")] = None,
    case: Annotated[str | None, typer.Option("--case", help="Ask a follow-up about a stored case (see `mednec cases list`).")] = None,  # noqa: E501
    store: Annotated[bool, typer.Option(help="Keep the case in the local store for follow-ups.")] = True,
) -> None:
    """Answer a plain-language question: what was understood (with the words), then the determination.

    Each question creates a case in the local store (its id is printed) unless --no-store;
    `--case ID` answers a follow-up in that case's context: what if a fact were different, what
    documentation is missing, another drug instead, when re-authorisation is due, an
    explanation for the patient.
    """
    from mednec.ask import answer
    from mednec.cli.common import emit_json, runtime

    if case is not None:
        _follow_up(case, question, fmt, _today(as_of) if as_of else None)
        return
    text = None
    if drug is not None:
        runtime().catalog.find_drug(drug)  # an unknown --drug is bad input (with a suggestion), not ignored
    if note is not None:
        from mednec.cli.common import input_file
        from mednec.intake.notes import load_note
        from mednec.settings import DEFAULT_MAX_BODY

        text = load_note(input_file(note, "--note", max_bytes=DEFAULT_MAX_BODY))
    a = answer(question, runtime(), as_of=_today(as_of), note=text, note_name=note.name if note else "note",
               drug=drug)
    case_id = None
    from mednec.extras import install_hint, installed

    if store and a.understood.case.get("facts") and not installed("service"):
        sys.stderr.write(f"case not stored: the local case store needs the 'service' extra ({install_hint('service')})\n")
    elif store and a.understood.case.get("facts"):
        from mednec.followup import local_session, record_ask

        service, principal = local_session(runtime())
        case_id = record_ask(service, principal, question, a.understood.case, a.determination, a.kind)
    if fmt is AskFormat.json:
        emit_json(a.to_dict())  # the same keys as `mednec evaluate --format json` plus `understood`
        if case_id:
            sys.stderr.write(f"case {case_id} stored\n")
    elif fmt is AskFormat.markdown:
        sys.stdout.write(_markdown(a))
    else:
        _print_text(a)
    if case_id and fmt is not AskFormat.json:
        sys.stdout.write(f"\nCase {case_id} stored; follow up with: mednec ask --case {case_id} \"what if ...?\"\n")


def _follow_up(case_id: str, question: str, fmt: AskFormat, as_of: Any) -> None:
    from mednec.cli.common import emit_json, runtime
    from mednec.followup import follow_up, local_session

    service, principal = local_session(runtime())
    r = follow_up(service, principal, case_id, question, as_of=as_of)
    if fmt is AskFormat.json:
        emit_json({"case_id": case_id, "kind": r.kind, "text": r.text, "case_version": r.case_version,
                    "determination": r.determination.to_dict() if r.determination else None})
        return
    sys.stdout.write(r.text + "\n")
    if r.determination is not None and r.kind in ("what_if", "other_drug"):
        from mednec.cli.common import out
        from mednec.render.terminal import print_determination

        sys.stdout.write("\n")
        print_determination(r.determination, out(), _labels())


def case_yaml(u: Understanding) -> str:
    """The case as YAML a person can read and ``mednec evaluate`` can load; the words in comments."""
    import yaml

    case = u.case
    by_fact = {f.fact: f for f in u.facts}
    lines = [f"# derived by mednec extract from {u.source}; each value's source names the characters it came from",
             f"as_of: {case['as_of'].isoformat()}"]
    for section in ("patient", "facts"):
        lines.append(f"{section}:" + ("" if case[section] else " {}"))
        for fact, raw in case[section].items():
            f = by_fact[fact]
            body = yaml.safe_dump({fact: raw}, default_flow_style=None, sort_keys=False, allow_unicode=True,
                                  width=10_000).rstrip("\n")
            comment = f"  # {f.kind}: {f.note}" if f.note else ""
            where = f'  # from [{f.span.start}:{f.span.end}] "{" ".join(f.span.text.split())[:70]}"'
            body_lines = body.split("\n")
            lines.append("  " + body_lines[0] + (where if len(body_lines) == 1 else ""))
            lines += ["  " + b for b in body_lines[1:]]
            if len(body_lines) > 1:
                lines.append("  " + where.strip())
            if comment:
                lines.append("  " + comment.strip())
    if u.unused:
        lines.append("# not used:")
        lines += [f'#   [{x.span.start}:{x.span.end}] "{" ".join(x.span.text.split())[:60]}": {x.reason}' for x in u.unused]  # noqa: E501
    return "\n".join(lines) + "\n"


def _case_json(u: Understanding) -> dict[str, Any]:
    out = json.loads(json.dumps(u.case, default=lambda o: o.isoformat()))
    return {"case": out, "understood": [f.to_dict() for f in u.facts], "not_used": [x.to_dict() for x in u.unused],
            "conflicts": [c.to_dict() for c in u.conflicts], "drug": u.drug.to_dict() if u.drug else None}


def extract(
    note: Annotated[Path, typer.Argument(help="A clinical note (plain text).", show_default=False)],
    fmt: Annotated[CaseFormat, typer.Option("--format", "-f", help="yaml (a case file) or json.")] = CaseFormat.yaml,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default today).")] = None,
) -> None:
    """Read a clinical note into a case file; every value names the characters of the note it came from."""
    from mednec.cli.common import emit_json, input_file, runtime
    from mednec.intake.notes import load_note, read_note
    from mednec.settings import DEFAULT_MAX_BODY

    text = load_note(input_file(note, "NOTE", max_bytes=DEFAULT_MAX_BODY))
    rt = runtime()
    u = read_note(text, rt.catalog, rt.dictionary, _today(as_of), name=note.name)
    if fmt is CaseFormat.json:
        emit_json(_case_json(u))
    else:
        sys.stdout.write(case_yaml(u))


def register(app: typer.Typer) -> None:
    """Add the ``ask`` and ``extract`` commands to the mednec app."""
    app.command("ask")(ask)
    app.command("extract")(extract)
