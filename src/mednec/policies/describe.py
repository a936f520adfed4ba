"""A policy as data (JSON) and as a readable criteria tree (terminal)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree as RichTree

from mednec.policies.model import Authorization, Node, Pack, Policy, Tree
from mednec.policies.steps import Step

__all__ = ["describe_node", "describe_policy", "handling_text", "print_policy", "undocumented_handling"]


def handling_text(node: Node) -> str:
    """How an undocumented fact is handled at this leaf, in a line ('' when required)."""
    if node.presume is not None:
        unless = "; ".join(w.condition for w in node.presume.unless)
        return (f"presumed when undocumented (the request attests: {node.presume.attest})"
                + (f"; asked instead when {unless}" if unless else ""))
    if node.infer:
        rules = "; ".join(f"{_inferred_value(r)} when {r.when.condition} ({r.because})" for r in node.infer)
        return f"inferred when undocumented: {rules}"
    return ""


def _inferred_value(r: Any) -> str:
    if r.between is not None:
        return f"between {r.between[0]:g} and {r.between[1]:g}"
    if isinstance(r.value, bool):
        return "yes" if r.value else "no"
    return str(r.value)


def undocumented_handling(policies: Any) -> dict[str, list[str]]:
    """Per fact, the criteria that presume or infer it when undocumented (``policy:criterion
    presumed|inferred``); a fact not listed is required wherever it is read."""
    out: dict[str, list[str]] = {}
    for policy in policies:
        for _, tree in policy.trees():
            owner = ""
            for n in tree.nodes:
                owner = n.id or owner
                if n.kind == "leaf" and (n.presume is not None or n.infer):
                    how = "presumed" if n.presume is not None else "inferred"
                    out.setdefault(str(n.fact), []).append(f"{policy.id}:{n.id or owner} {how}")
    return out


def describe_node(node: Node) -> dict[str, Any]:
    """One node and its subtree as plain data."""
    out: dict[str, Any] = {"kind": node.kind}
    if node.id:
        out.update(id=node.id, text=node.text, cite=[str(c) for c in node.cites])
    if node.kind == "leaf":
        operand = node.operand.to_dict() if isinstance(node.operand, Step) else node.operand
        out.update(fact=node.fact, op=node.op, value=list(operand) if isinstance(operand, tuple) else operand,
                   unit=node.unit, condition=node.condition)
    elif node.kind == "const":
        out["condition"] = node.condition
    elif node.closed_by is not None:  # stated_absent: the criterion's own test, and what closes it
        core = node.children[0]
        out["kind"] = core.kind
        out["children"] = [describe_node(c) for c in core.children]
        out["stated_absent"] = node.closed_by.condition
    else:
        out["children"] = [describe_node(c) for c in node.children]
    if node.presume is not None:
        out["presume"] = {"attest": node.presume.attest, "why": node.presume.why,
                          "unless": [w.condition for w in node.presume.unless],
                          "cite": [str(c) for c in node.presume.cites]}
    if node.infer:
        out["infer"] = [{"when": r.when.condition, "value": _inferred_value(r), "because": r.because}
                        for r in node.infer]
    if node.note:
        out["note"] = node.note
    return out


def _tree(t: Tree) -> list[dict[str, Any]]:
    return [describe_node(c) for c in t.root.children]


def _auth(a: Authorization) -> dict[str, Any]:
    return {"period": a.text, "cite": [str(c) for c in a.cites], "note": a.note}


def describe_policy(policy: Policy, pack: Pack) -> dict[str, Any]:
    """The whole policy as plain data, with its references resolved."""
    cited = sorted({c.ref for _, t in policy.trees() for n in t.nodes for c in n.cites})
    return {
        "id": policy.id,
        "version": policy.version,
        "effective_date": policy.effective_date.isoformat(),
        "title": policy.title,
        "pack": pack.id,
        "drug": policy.drug.to_dict(),
        "label_status": policy.label_status,
        "conditions": [{"system": s, "code": c, "display": d} for s, c, d in policy.conditions],
        "common": _tree(policy.common),
        "pathways": [
            {"id": p.id, "name": p.name, "line": p.line, "description": p.description,
             "cite": [str(c) for c in p.cites], "criteria": _tree(p.tree),
             **({"initial_authorization": _auth(p.authorization)} if p.authorization else {})}
            for p in policy.pathways
        ],
        "initial_authorization": _auth(policy.initial_authorization),
        "continuation": None if policy.continuation is None else {
            "criteria": _tree(policy.continuation.tree),
            "authorization": _auth(policy.continuation.authorization),
            "stop_rule": policy.continuation.stop_rule,
            "stop_cite": [str(c) for c in policy.continuation.stop_cites],
        },
        "dosing": [{"id": d.id, "text": d.text, "cite": [str(c) for c in d.cites]} for d in policy.dosing],
        "notes": list(policy.notes),
        "changes": list(policy.changes),
        "parameters": [
            {"id": p.id, "value": list(p.value) if isinstance(p.value, tuple) else p.value, "unit": p.unit,
             "text": p.text, "cite": [str(c) for c in p.cites]} for p in policy.parameters
        ],
        "variant": policy.variant.to_dict() if policy.variant else None,
        "variants": [
            {**v.variant.to_dict(), "values": {p.id: (list(p.value) if isinstance(p.value, tuple) else p.value)
                                               for p in v.parameters if p.overridden}}
            for v in policy.variants if v.variant
        ],
        "references": {r: pack.references[r].formatted() for r in cited if r in pack.references},
    }


def _add(branch: RichTree, node: Node) -> None:
    if node.id:
        label = f"[bold]{node.id}[/bold]: {node.text} [dim]({', '.join(map(str, node.cites))})[/dim]"
    elif node.kind in ("leaf", "const"):
        label = node.condition
    else:
        label = {"all_of": "all of", "any_of": "any of", "not": "not"}[node.kind]
    sub = branch.add(label)
    if node.kind == "leaf" and handling_text(node):
        sub.add(f"[magenta]{escape(handling_text(node))}[/magenta]")
    if node.id and node.kind in ("leaf", "const"):
        sub.add(f"[cyan]{node.condition}[/cyan]")
        return
    if node.closed_by is not None:  # stated_absent: the criterion's own test, and what closes it
        sub.add(f"[magenta]not met when {escape(node.closed_by.condition)} (stated absent), unless a documented "
                "finding meets it[/magenta]")
        node = node.children[0]
        sub = sub.add({"all_of": "all of", "any_of": "any of", "not": "not"}[node.kind])
    elif node.id and node.kind != "leaf":
        sub = sub.add({"all_of": "all of", "any_of": "any of", "not": "not"}[node.kind])
    for c in node.children:
        _add(sub, c)


def print_policy(policy: Policy, pack: Pack, console: Console) -> None:
    """Print the policy as a tree."""
    root = RichTree(f"[bold]{policy.title}[/bold]  {policy.id} v{policy.version}, effective {policy.effective_date}")
    if policy.label_status:
        root.add(f"[dim]{policy.label_status}[/dim]")
    common = root.add("[bold]Every pathway requires[/bold]")
    for c in policy.common.root.children:
        _add(common, c)
    for p in policy.pathways:
        br = root.add(f"[bold]Pathway {p.id}[/bold]: {p.name} (line {p.line})")
        for c in p.tree.root.children:
            _add(br, c)
    root.add(f"Initial authorisation: {policy.initial_text()}")
    if policy.continuation:
        cont = root.add(f"[bold]Continuation[/bold] ({policy.continuation.authorization.text})")
        for c in policy.continuation.tree.root.children:
            _add(cont, c)
        cont.add(f"Stop rule: {policy.continuation.stop_rule}")
    dosing = root.add("[bold]Dosing[/bold]")
    for d in policy.dosing:
        dosing.add(f"{d.id}: {d.text}")
    if policy.parameters:
        params = root.add("[bold]Parameters[/bold]" + (f" (variant {policy.variant.id})" if policy.variant else ""))
        for prm in policy.parameters:
            params.add(f"{prm.id} = {prm.shown()}: {prm.text} [dim]({', '.join(map(str, prm.cites))})[/dim]")
    if policy.variants:
        vs = root.add("[bold]Variants[/bold]")
        for v in policy.variants:
            assert v.variant is not None
            changed = "; ".join(f"{q.id} = {q.shown()}" for q in v.parameters if q.overridden) or "the defaults"
            vs.add(f"{v.variant.id}: {v.variant.name} ({v.variant.payer}, {v.variant.document}, seen "
                   f"{v.variant.seen.isoformat()}): {changed}")
    console.print(root)
