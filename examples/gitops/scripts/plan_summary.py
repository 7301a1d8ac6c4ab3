#!/usr/bin/env python3
"""Summarise what a Terraform plan changes in serving, for a pull request.

Reads the JSON of a saved plan (`terraform show -json tfplan`, or OpenTofu's
`tofu show -json tfplan`) from a file or standard input and prints Markdown:
one entry per mlops_endpoint that the plan creates, updates, replaces or
deletes, with the version it serves (`model.resolved_version`) before and
after, the canary's version and share (`canary.traffic_percent`), and the
traffic split before and after. Endpoints whose served version moved only
because an alias moved in the registry show up too: their resolved_version
changes although the configuration did not. Each mlops_model_alias the plan
moves is listed under "Promotions" with the metrics that the versions'
training logged, the alias's version now and the candidate's side by side,
as the plan read them (data sources mlops_model_version, whose values a
plan's JSON keeps in prior_state).

    terraform show -json tfplan | python3 scripts/plan_summary.py
    python3 scripts/plan_summary.py plan.json

Exit status: 0, also when no endpoint changes (it then says so); 2 when the
input is not a plan's JSON. Only the standard library is used.
"""

import json
import sys

UNKNOWN = "(known after apply)"
SENSITIVE = "(sensitive)"
NONE = "(none)"


class Value:
    """One attribute of one side of a change: known, unknown, sensitive or absent."""

    def __init__(self, value=None, unknown=False, sensitive=False):
        self.value, self.unknown, self.sensitive = value, unknown, sensitive

    def show(self):
        if self.unknown:
            return UNKNOWN
        if self.sensitive:
            return SENSITIVE
        if self.value is None:
            return NONE
        if isinstance(self.value, str):
            return '"%s"' % self.value
        return json.dumps(self.value, sort_keys=True)

    def same(self, other):
        return (not self.unknown and not other.unknown and not self.sensitive and not other.sensitive
                and self.value == other.value)


def lookup(tree, path):
    """Follows path (keys) into nested dicts; None when any step is missing."""
    for key in path:
        if isinstance(tree, bool):  # after_unknown / *_sensitive mark whole subtrees with true
            return tree
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def side(change, which, path):
    """The value at path on one side ("before" or "after") of a change."""
    values = change.get(which)
    sensitive = lookup(change.get(which + "_sensitive") or {}, path) is True
    unknown = which == "after" and lookup(change.get("after_unknown") or {}, path) is True
    if values is None:
        return Value()
    return Value(lookup(values, path), unknown=unknown, sensitive=sensitive)


def split(change, which):
    """The traffic split on one side: the `traffic` map KServe reports when
    known, else the one the configuration asks for (100 - canary share)."""
    traffic = side(change, which, ["traffic"])
    if not traffic.unknown and not traffic.sensitive and isinstance(traffic.value, dict) and traffic.value:
        return ", ".join("%s %s%%" % (k, traffic.value[k]) for k in sorted(traffic.value, key=lambda k: (k != "model", k)))
    if change.get(which) is None:
        return NONE
    percent = side(change, which, ["canary", "traffic_percent"])
    if percent.unknown:
        return UNKNOWN
    if percent.value is None:
        return "model 100%"
    return "model %d%%, canary %d%%" % (100 - percent.value, percent.value)


def action(actions):
    if actions == ["no-op"] or actions == ["read"]:
        return None
    if "delete" in actions and "create" in actions:
        return "replace"
    return actions[0]


def arrow(before, after):
    """`"1" -> "2"` in bold when it changes, the value alone when it does not."""
    if before.same(after):
        return before.show()
    return "**%s -> %s**" % (before.show(), after.show())


def endpoint_entry(rc):
    change = rc["change"]
    verb = action(change.get("actions", []))
    if verb is None:
        return None
    name = side(change, "after" if change.get("after") is not None else "before", ["name"])
    namespace = side(change, "after" if change.get("after") is not None else "before", ["namespace"])
    where = ""
    if not name.unknown and name.value:
        where = " (%s/%s)" % (namespace.value if namespace.value and not namespace.unknown else "?", name.value)
    lines = ["- `%s`%s: **%s**" % (rc["address"], where, verb)]

    model_before, model_after = side(change, "before", ["model", "resolved_version"]), side(change, "after", ["model", "resolved_version"])
    note = ""
    ref_before, ref_after = side(change, "before", ["model", "alias"]), side(change, "after", ["model", "alias"])
    if verb == "update" and ref_after.value and not model_before.same(model_after) and ref_before.same(ref_after):
        note = " (alias `%s` moved in the registry)" % ref_after.value
    uri_before, uri_after = side(change, "before", ["model", "storage_uri"]), side(change, "after", ["model", "storage_uri"])
    lines.append("  - model `resolved_version`: %s%s" % (arrow(model_before, model_after), note))
    if not uri_before.same(uri_after):
        lines.append("  - model `storage_uri`: %s" % arrow(uri_before, uri_after))

    canary_before, canary_after = side(change, "before", ["canary"]), side(change, "after", ["canary"])
    if canary_before.value is not None or canary_after.value is not None or canary_after.unknown:
        lines.append("  - canary `resolved_version`: %s" % arrow(
            side(change, "before", ["canary", "resolved_version"]), side(change, "after", ["canary", "resolved_version"])))
        lines.append("  - canary `traffic_percent`: %s" % arrow(
            side(change, "before", ["canary", "traffic_percent"]), side(change, "after", ["canary", "traffic_percent"])))
    before_split, after_split = split(change, "before"), split(change, "after")
    if before_split == after_split:
        lines.append("  - traffic: %s" % before_split)
    else:
        lines.append("  - traffic: %s -> **%s**" % (before_split, after_split))

    rollout = side(change, "after", ["rollout"])
    if rollout.value and verb == "update" and not model_before.same(model_after):
        steps = lookup(rollout.value, ["steps"]) or []
        lines.append("  - rolled out in steps of %s%% (bake %s each), rolled back if not ready" % (
            ", ".join(str(s) for s in steps), lookup(rollout.value, ["interval"]) or "?"))
    return "\n".join(lines)


def version_metrics(plan):
    """The metrics of the model versions the plan read (data sources
    mlops_model_version), by (model name, version)."""
    out = {}

    def walk(module):
        for r in module.get("resources") or []:
            v = r.get("values") or {}
            if r.get("mode") == "data" and r.get("type") == "mlops_model_version" and v.get("version") is not None:
                out[(v.get("model_name"), str(v["version"]))] = v.get("metrics") or {}
        for child in module.get("child_modules") or []:
            walk(child)

    walk(lookup(plan, ["prior_state", "values", "root_module"]) or {})
    return out


def number(x):
    return "%.4g" % x if isinstance(x, (int, float)) else NONE


def promotion_entry(rc, metrics):
    """An alias the plan creates or moves, and the metrics of its version now
    and of the candidate."""
    change = rc["change"]
    verb = action(change.get("actions", []))
    before, after = side(change, "before", ["version"]), side(change, "after", ["version"])
    if verb not in ("create", "update", "replace") or before.same(after):
        return None
    where = side(change, "after", ["model_name"]).value, side(change, "after", ["alias"]).value
    lines = ["- `%s` (%s@%s): version %s" % (rc["address"], where[0], where[1], arrow(before, after))]
    columns = [(label, where[0], str(v.value)) for label, v in (("now", before), ("candidate", after))
               if v.value is not None and not v.unknown]
    known = [c for c in columns if (c[1], c[2]) in metrics]
    keys = sorted({k for c in known for k in metrics[(c[1], c[2])]})
    if not keys:
        lines.append("  - no metrics of these versions in the plan")
        return "\n".join(lines)
    lines.append("")
    lines.append("  | metric | " + " | ".join("version %s (%s)" % (c[2], c[0]) for c in known) + " |")
    lines.append("  |---|" + "---|" * len(known))
    for k in keys:
        lines.append("  | %s | " % k + " | ".join(number(metrics[(c[1], c[2])].get(k)) for c in known) + " |")
    return "\n".join(lines)


def drift(plan):
    """Addresses of mlops_ resources changed outside Terraform in a way that
    matters to this plan: like Terraform's own "Objects have changed outside
    of Terraform", only changes of attributes the configuration refers to
    (relevant_attributes) count, not the computed ones that every apply
    moves (timestamps, a version's aliases)."""
    relevant = {}
    for ra in plan.get("relevant_attributes") or []:
        relevant.setdefault(ra.get("resource"), []).append(ra.get("attribute") or [])
    out = []
    for rc in plan.get("resource_drift") or []:
        if not rc.get("type", "").startswith("mlops_"):
            continue
        change = rc.get("change") or {}
        before, after = change.get("before"), change.get("after")
        if before is None or after is None:
            if rc["address"] in relevant:
                out.append(rc["address"])
            continue
        for path in relevant.get(rc["address"], []):
            if dig(before, path) != dig(after, path):
                out.append(rc["address"])
                break
    return out


def dig(tree, path):
    """Follows a relevant_attributes path (keys and list indices)."""
    for key in path:
        if isinstance(tree, dict) and isinstance(key, str):
            tree = tree.get(key)
        elif isinstance(tree, list) and isinstance(key, int) and 0 <= key < len(tree):
            tree = tree[key]
        else:
            return None
    return tree


def summarise(plan):
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise ValueError("not the JSON of a plan (terraform show -json PLANFILE)")
    changes = plan.get("resource_changes") or []
    counts = {"create": 0, "update": 0, "delete": 0, "replace": 0}
    for rc in changes:
        verb = action(rc.get("change", {}).get("actions", []))
        if verb in counts:
            counts[verb] += 1
    entries = [e for e in (endpoint_entry(rc) for rc in changes if rc.get("type") == "mlops_endpoint" and rc.get("mode", "managed") == "managed") if e]
    drifted = drift(plan)
    metrics = version_metrics(plan)
    promotions = [e for e in (promotion_entry(rc, metrics) for rc in changes
                              if rc.get("type") == "mlops_model_alias" and rc.get("mode", "managed") == "managed") if e]

    out = ["#### Serving changes"]
    out.extend(entries if entries else ["No endpoint changes."])
    if promotions:
        out.append("")
        out.append("#### Promotions")
        out.extend(promotions)
    if drifted:
        out.append("")
        out.append("Changed outside Terraform since the last apply: " + ", ".join("`%s`" % a for a in drifted))
    out.append("")
    out.append("Plan: %d to add, %d to change, %d to replace, %d to destroy." % (
        counts["create"], counts["update"], counts["replace"], counts["delete"]))
    return "\n".join(out) + "\n"


def main(argv):
    try:
        if len(argv) > 1 and argv[1] != "-":
            with open(argv[1], encoding="utf-8") as f:
                plan = json.load(f)
        else:
            plan = json.load(sys.stdin)
        sys.stdout.write(summarise(plan))
    except (ValueError, OSError) as e:
        sys.stderr.write("plan_summary: %s\n" % e)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
