"""`mednec cases list | show ID`: the cases `mednec ask` stored, with their questions and answers."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from mednec.store.access import Principal
    from mednec.store.service import Service

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the `cases` commands."""
    cases = typer.Typer(help="Cases created by `mednec ask`, with their history of questions and answers.",
                        no_args_is_help=True)
    app.add_typer(cases, name="cases")

    def _session() -> tuple[Service, Principal]:
        from mednec.followup import local_session
        from mednec.runtime import default_runtime

        return local_session(default_runtime())

    @cases.command("list")
    def cases_list() -> None:
        """List the stored cases, newest first."""
        from mednec.followup import list_cases

        service, p = _session()
        for c in list_cases(service, p):
            sys.stdout.write(f"{c.id}  {c.created_at:%Y-%m-%d %H:%M}  v{c.version}  {c.title[:80]}\n")

    @cases.command("show")
    def cases_show(
        case_id: Annotated[str, typer.Argument(help="Case id from `mednec cases list`.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Show a case: its facts and every question asked about it with the answer."""
        from mednec.followup import history

        service, p = _session()
        case, msgs = history(service, p, case_id)
        data = {"id": case.id, "title": case.title, "version": case.version, "case": case.data,
                "history": [{"at": m.at.isoformat(), "question": m.question, "kind": m.kind, "answer": m.answer}
                            for m in msgs]}
        if as_json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
            return
        sys.stdout.write(f"{case.id} (version {case.version}): {case.title}\n\nFacts:\n")
        for k, v in (case.data.get("facts") or {}).items():
            sys.stdout.write(f"  {k}: {json.dumps(v, default=str)}\n")
        sys.stdout.write("\nQuestions and answers:\n")
        for m in msgs:
            ans = m.answer.get("determination") or ""
            sys.stdout.write(f"  [{m.at:%Y-%m-%d %H:%M}] {m.question}\n      -> {m.kind}"
                             f"{': ' + ans.replace('_', ' ') if ans else ''}\n")
            if m.answer.get("text"):
                sys.stdout.write("         " + m.answer["text"].replace("\n", "\n         ")[:2000] + "\n")
