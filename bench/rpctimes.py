#!/usr/bin/env python3
"""Where a Terraform command's time went, from its TF_LOG=trace log.

Reads the log that Terraform wrote with TF_LOG=trace and TF_LOG_PATH (its own
lines and, through the plugin protocol, the provider's, with
TF_LOG_SDK_PROTO=trace), pairs each plugin call's "Received request" and
"Served request" by tf_req_id, and prints per call type the count, the summed
and the longest duration, and the union of the intervals (the wall time
during which the provider had at least one call of that type in flight),
then the phases of the command: start-up to the first call, the calls, and
the last call to the end.

    rpctimes.py trace.log
"""
import re
import sys
from datetime import datetime

LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z? \[(\w+)\] (.*)$")
REQ = re.compile(r"tf_req_id=([0-9a-f-]+)")
RPC = re.compile(r"tf_rpc=(\w+)")


def ts(s):
    return datetime.strptime(s[:26], "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def union(iv):
    total, end = 0.0, None
    for a, b in sorted(iv):
        if end is None or a > end:
            total += b - a
            end = b
        elif b > end:
            total += b - end
            end = b
    return total


def main():
    first = last = None
    start, calls = {}, {}
    for line in open(sys.argv[1], errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        t = ts(m.group(1))
        first = t if first is None else first
        last = t
        msg = m.group(3)
        if "Received request" not in msg and "Served request" not in msg:
            continue
        req, rpc = REQ.search(msg), RPC.search(msg)
        if not req or not rpc:
            continue
        if "Received request" in msg:
            start[req.group(1)] = (rpc.group(1), t)
        elif req.group(1) in start:
            name, t0 = start.pop(req.group(1))
            calls.setdefault(name, []).append((t0, t))
    if first is None:
        sys.exit("no timestamped lines (was TF_LOG=trace set?)")
    wall = last - first
    print(f"log spans {wall:.2f} s")
    print(f"{'call':<28}{'count':>7}{'sum s':>9}{'max ms':>9}{'in flight s':>13}{'first at':>10}{'last end':>10}")
    allv = []
    for name, iv in sorted(calls.items(), key=lambda kv: -union(kv[1])):
        allv += iv
        print(f"{name:<28}{len(iv):>7}{sum(b - a for a, b in iv):>9.2f}{max(b - a for a, b in iv) * 1000:>9.1f}"
              f"{union(iv):>13.2f}{min(a for a, _ in iv) - first:>10.2f}{max(b for _, b in iv) - first:>10.2f}")
    if allv:
        busy = union(allv)
        print(f"{'any call in flight':<28}{len(allv):>7}{'':>9}{'':>9}{busy:>13.2f}")
        print(f"no call in flight (Terraform alone: start-up, graph, diff, state): {wall - busy:.2f} s of {wall:.2f} s")


if __name__ == "__main__":
    main()
