#!/usr/bin/env python3
"""Runs one Terraform command and measures it, and the provider within it.

Terraform starts the provider as it always does (dev_overrides), but the
binary it finds is bench/measure, which runs the real provider as its child
and records each provider process's peak resident memory (ru_maxrss) and CPU
seconds when it exits. So the provider runs exactly as in production (its
logs go to Terraform, which filters them), and its figures are its own.

    phase.py --out results.jsonl --size N --phase NAME [--expect-rc 0]
             [--log FILE] [--provider-bin BIN] [--no-provider] [--label K=V]...
             -- terraform ...

Appends one JSON line: size, phase, wall seconds, Terraform's CPU seconds
(Terraform and everything it started, minus the provider processes), the
provider processes' CPU seconds (summed) and peak RSS (the largest, MiB), how
many provider processes Terraform started, the largest peak RSS among
Terraform's own processes and the exit code, plus any --label K=V. Fails when
the exit code is not the expected one, or when no provider process was
measured unless --no-provider says the configuration has none of ours (a
floor of terraform_data resources).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--phase", required=True)
    ap.add_argument("--expect-rc", type=int, default=0)
    ap.add_argument("--log", default=os.devnull)
    ap.add_argument("--provider-bin", help="the real provider (default: BENCH_PROVIDER_BIN)")
    ap.add_argument("--no-provider", action="store_true",
                    help="the configuration uses no provider of ours (terraform_data floors)")
    ap.add_argument("--label", action="append", default=[], metavar="K=V",
                    help="extra field for the JSON line (e.g. tool=tofu)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd

    fd, measure_log = tempfile.mkstemp(prefix="bench-measure-", suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ, BENCH_MEASURE_LOG=measure_log)
    if a.provider_bin:
        env["BENCH_PROVIDER_BIN"] = a.provider_bin
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(a.log, "w") as log:
        rc = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(measure_log) as f:
        procs = [json.loads(line) for line in f if line.strip()]
    os.unlink(measure_log)

    children_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    provider_cpu = sum(p["cpu_s"] for p in procs)
    rec = {"size": a.size, "phase": a.phase, "wall_s": round(wall, 2),
           "terraform_cpu_s": round(children_cpu - provider_cpu, 2),
           "provider_cpu_s": round(provider_cpu, 2),
           "provider_peak_mib": round(max((p["max_rss_kib"] for p in procs), default=0) / 1024, 1),
           "provider_processes": len(procs),
           # ru_maxrss of the children: the largest of Terraform's processes
           # and the providers'; the providers are in provider_peak_mib.
           "children_peak_mib": round(after.ru_maxrss / 1024, 1), "rc": rc}
    for kv in a.label:
        k, _, v = kv.partition("=")
        rec[k] = v
    with open(a.out, "a") as f:
        f.write(json.dumps(rec) + "\n")
    if rc != a.expect_rc:
        with open(a.log) as f:
            sys.stderr.write(f.read()[-6000:])
        sys.exit(f"{a.phase} of {a.size}: exit code {rc}, expected {a.expect_rc} (log: {a.log})")
    if not procs and not a.no_provider:
        sys.exit(f"{a.phase} of {a.size}: no provider process was measured (is bench/measure in dev_overrides?)")


if __name__ == "__main__":
    main()
