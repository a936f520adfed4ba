"""`mednec packs list | show | new`: the packs mednec loaded, one pack's contents, a new pack's skeleton."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mednec.cli.common import LIST_FORMAT_HELP, ListFormat, emit_json, error, escape, out, runtime

if TYPE_CHECKING:
    from mednec.facts.dictionary import FactDictionary
    from mednec.policies.model import Pack

__all__ = ["register"]


def _summary(pack: Pack, dictionary: FactDictionary) -> dict[str, Any]:
    folder = Path(pack.path)
    files = ("pack.yaml", "facts.yaml", "calculators.py", "vocabulary.yaml", "text_rules.py", "benefits.yaml",
             "references.yaml", "evidence.yaml")
    return {
        "id": pack.id,
        "title": pack.title,
        "version": pack.version,
        "path": str(folder),
        "files": [f for f in files if (folder / f).is_file()],
        "policies": [{"id": p.id, "drug": p.drug.generic, "brands": list(p.drug.brands), "version": p.version,
                      "cases": len(list((Path(p.source).parent / "cases").glob("*.yaml")))}
                     for p in pack.policies],
        "facts": sorted(f for f, fd in dictionary.facts.items() if fd.pack == pack.id),
        "diagnoses": sorted(k for k, cv in dictionary.facts["diagnosis"].values.items() if cv.pack == pack.id),
        "calculators": [c.name for c in pack.calculators if c.name != "age"],
        "drug_classes": dict(pack.drugs.class_labels),
        "references": len(pack.references),
        "benefit_exclusions": [{"id": e.id, "programs": list(e.programs), "applies_to": {k: list(v) for k, v in
                                e.applies_to.items()}} for e in pack.benefits],
    }


def packs_list(fmt: Annotated[ListFormat, typer.Option("--format", "-f", help=LIST_FORMAT_HELP)] = ListFormat.text) -> None:
    """List the loaded packs (shipped, and from MEDNEC_PACKS_DIR / --packs-dir) with their folders and policies."""
    rt = runtime()
    rows = [_summary(p, rt.dictionary) for p in rt.catalog.packs]
    if fmt is ListFormat.json:
        emit_json(rows)
        return
    from rich.table import Table

    table = Table(title="Packs")
    for col in ("id", "title", "version", "policies", "facts", "folder"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["id"], r["title"], r["version"], ", ".join(p["id"] for p in r["policies"]),
                      str(len(r["facts"])), r["path"])
    out().print(table)


def packs_show(
    pack_id: Annotated[str, typer.Argument(help="Pack id.", show_default=False)],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help=LIST_FORMAT_HELP)] = ListFormat.text,
) -> None:
    """Show one pack: its files, policies (with their test cases), facts, diagnoses, calculators and drug classes."""
    rt = runtime()
    pack = next((p for p in rt.catalog.packs if p.id == pack_id), None)
    if pack is None:
        error(f"[bold red]error:[/bold red] no pack {escape(pack_id)!r}; loaded: "
              f"{escape(', '.join(p.id for p in rt.catalog.packs))}")
        raise typer.Exit(2)
    row = _summary(pack, rt.dictionary)
    if fmt is ListFormat.json:
        emit_json(row)
        return
    con = out()
    con.print(f"[bold]{escape(row['title'])}[/bold] ({row['id']}, version {row['version']})")
    con.print(f"folder: {escape(row['path'])}")
    con.print(f"files: {', '.join(row['files'])}")
    for p in row["policies"]:
        con.print(f"policy {p['id']}: {escape(p['drug'])} ({escape(', '.join(p['brands']))}), version {p['version']}, "
                  f"{p['cases']} test cases")
    con.print(f"facts: {', '.join(row['facts']) or '(core facts only)'}")
    con.print(f"diagnoses: {', '.join(row['diagnoses']) or '-'}")
    con.print(f"calculators: {', '.join(row['calculators']) or '-'}")
    con.print(f"drug classes: {', '.join(f'{k} ({v})' for k, v in row['drug_classes'].items()) or '-'}")
    con.print(f"references: {row['references']}")
    for e in row["benefit_exclusions"]:
        uses = ", ".join(f"{k} ({', '.join(v) or 'every use'})" for k, v in e["applies_to"].items())
        con.print(f"benefit exclusion {e['id']} (programs: {', '.join(e['programs']) or 'by plan'}): {escape(uses)}")


def packs_new(
    name: Annotated[str, typer.Argument(help="Pack id: lower case letters, digits and underscores.", show_default=False)],
    directory: Annotated[Path, typer.Option("--dir", help="Folder to create the pack in.")] = Path("packs"),
    drug: Annotated[str, typer.Option("--drug", help="Generic name of the first policy's drug.")] = "exampledrug",
) -> None:
    """Write a working pack skeleton (one policy, its facts, vocabulary, references, evidence and cases) that
    `mednec policies check` passes; load it with MEDNEC_PACKS_DIR=DIR or --packs-dir DIR."""
    from mednec.cli.common import output_folder
    from mednec.packcheck.scaffold import write_pack

    folder = write_pack(output_folder(directory, "--dir"), name, drug)
    out().print(f"wrote {escape(str(folder))}; check it with: mednec --packs-dir {escape(str(directory))} policies check")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Policy packs: list, show, create.", no_args_is_help=True)
    group.command("list")(packs_list)
    group.command("show")(packs_show)
    group.command("new")(packs_new)
    app.add_typer(group, name="packs")
