#!/usr/bin/env python3
"""Checks the structure of `evtrace bench --json` and `--markdown` output.

Behaviour and structure only, never absolute timings: every mechanism has a
row with kernel-measured figures, every claim of the classic table has a
verdict from the allowed set, the kernel <= user invariant holds in every
cross-check row (the flag and the numbers), the conditions are recorded.
The mechanisms come from the C table (user/shared/mech.c), as
tests/bench/mech_list.c prints it.

Usage: bench_check.py BENCH.json BENCH.md TRIALS MECHS.json
"""
import json
import sys

COLUMNS = ["latency", "throughput", "complexity", "recommended for"]
VERDICTS = {"holds", "contradicted", "not distinguishable"}

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)


def main(json_path, md_path, trials, mechs_path):
    with open(mechs_path) as f:
        table = json.load(f)
    mechs = [m["name"] for m in table if m["traced"]]
    classic = [m["name"] for m in table if m["classic"]]
    baseline = [m["name"] for m in table if m["baseline"]]
    labels = {m["name"]: m["label"] for m in table}
    check(len(mechs) >= 2 and len(classic) == 4 and len(baseline) == 1,
          f"mechanism table: {len(mechs)} traced, {len(classic)} classic, {len(baseline)} baseline")
    with open(json_path) as f:
        d = json.load(f)

    # the conditions
    s = d.get("settings", {})
    for key in ("kernel", "cpu_model", "ncpus", "virtualised", "policy", "trials",
                "scenarios", "count_per_trial", "timer_interval_ns", "attach_mode"):
        check(key in s, f"settings.{key} missing")
    check(s.get("traced") is True, "settings.traced is not true")
    check(s.get("trials") == trials, f"settings.trials {s.get('trials')} != {trials}")
    check(s.get("policy") == "other", "settings.policy is not 'other'")
    for scen in ("same", "cross", "flood", "timer", "paced"):
        sc = s.get("scenarios", {}).get(scen, {})
        check(sc.get("cpu") in ("same", "cross", "none"), f"scenario {scen}: no pinning")
        check(sc.get("pattern"), f"scenario {scen}: no pattern")
        check(s.get("count_per_trial", {}).get(scen, 0) > 0, f"scenario {scen}: no count")

    # the rows: every mechanism measured, by the kernel and by evload
    rows = {r.get("mechanism"): r for r in d.get("rows", [])}
    for m in mechs:
        r = rows.get(m)
        check(r is not None, f"no row for {m}")
        if r is None:
            continue
        check(r.get("label") == labels[m], f"{m}: label {r.get('label')!r}")
        check(r.get("in_classic_table") is (m in classic), f"{m}: in_classic_table {r.get('in_classic_table')}")
        check(r.get("baseline") is (m in baseline), f"{m}: baseline {r.get('baseline')}")
        lat = "timer" if m == "timerfd" else "same"
        sc = r.get("scenarios", {})
        want = {"timer", "flood"} if m == "timerfd" else {"same", "cross", "flood"}
        if m in baseline:
            want.add("paced")
        check(set(sc) == want, f"{m}: scenarios {sorted(sc)}")
        for name, v in sc.items():
            check(len(v.get("trials", [])) == trials, f"{m} {name}: {len(v.get('trials', []))} trials")
            for i, t in enumerate(v.get("trials", [])):
                check(t.get("ok") is True, f"{m} {name} trial {i + 1} failed: {t.get('error')}")
                ev = t.get("evload", {})
                check(ev.get("sent", 0) == ev.get("received", 0) + ev.get("coalesced", 0) + ev.get("lost", 0),
                      f"{m} {name} trial {i + 1}: sent != received + coalesced + lost")
        k50 = sc.get(lat, {}).get("kernel_total_p50_ns", {})
        check(k50.get("n") == trials, f"{m}: kernel total p50 in {k50.get('n')} of {trials} trials")
        for name in ("same", "cross", "timer"):
            for i, t in enumerate(sc.get(name, {}).get("trials", [])):
                k = t.get("kernel", {})
                check(k.get("events", 0) > 0, f"{m} {name} trial {i + 1}: the tracer saw no event")
                # libevm's dispatch stage in every trial of a mechanism with a loop
                if s.get("usdt") and m not in ("sigwait", "timerfd"):
                    check(k.get("stages", {}).get("dispatch", {}).get("count", 0) > 0,
                          f"{m} {name} trial {i + 1}: no dispatch stage")
        check(sc.get("flood", {}).get("throughput_eps", {}).get("n") == trials, f"{m}: no flood throughput")
        if m != "timerfd":
            check(sc.get("same", {}).get("sender_cost_p50_ns", {}).get("n") == trials,
                  f"{m}: no sender cost")
        check(sc.get(lat, {}).get("dominant_stage") in ("send", "wake", "return", "dispatch"),
              f"{m}: no dominant stage")
        cx = r.get("complexity", {})
        check(cx.get("score") == cx.get("setup_calls", 0) + round(cx.get("syscalls_per_event", 0))
              + len(cx.get("rules", [])), f"{m}: complexity score does not add up")
        sy = r.get("syscalls", {})
        check(sy.get("source") in ("measured", "derived"), f"{m}: syscalls source {sy.get('source')!r}")
        check(sy.get("source") == "measured" or sy.get("note"), f"{m}: derived syscalls without a reason")
        check(sy.get("per_event", 0) > 0, f"{m}: no syscalls per event")

    # the census works: counted, not derived, for most mechanisms (a run may
    # lose its counter to another tool's tracepoint churn: it then says why)
    measured = sum(1 for r in rows.values() if r.get("syscalls", {}).get("source") == "measured")
    check(measured >= len(mechs) - 1, f"syscalls per event measured for {measured} mechanisms only")

    # a verdict for every claim of the classic table
    claims = d.get("claims", [])
    for c in claims:
        check(c.get("verdict") in VERDICTS, f"claim {c.get('id')}: verdict {c.get('verdict')!r}")
        check(c.get("rule"), f"claim {c.get('id')}: no rule")
        check(c.get("measured"), f"claim {c.get('id')}: nothing measured")
    have = {(c.get("mechanism"), c.get("column")) for c in claims}
    for m in classic:
        for col in COLUMNS:
            check((m, col) in have, f"no verdict for {m} {col}")
    check(d.get("verdict_rule"), "no verdict_rule")

    # kernel <= user: the flag and the numbers
    seen = set()
    for c in d.get("crosscheck", []):
        tag = f"cross-check {c.get('mechanism')} {c.get('scenario')}"
        seen.add(c.get("mechanism"))
        check(c.get("kernel_le_user") is True, f"{tag}: flagged ({c.get('status')})")
        kp, up = c.get("kernel_p50_ns"), c.get("user_p50_ns")
        check(kp is not None and up is not None and kp <= up, f"{tag}: kernel p50 {kp} > user p50 {up}")
        check(c.get("trials") == trials and c.get("violations") == 0, f"{tag}: {c.get('violations')} violations")
    check(seen == set(mechs), f"cross-check rows for {sorted(seen)}")
    check(d.get("crosscheck_ok") is True, "crosscheck_ok is not true")

    # the markdown: the tables
    with open(md_path) as f:
        md = f.read()
    for needle in ("| mechanism | 1 CPU p50 |", "| mechanism | delivered/s |",
                   "| mechanism | claim | verdict | measured |",
                   "| mechanism | scenario | kernel p50 | user p50 |", "| condition | value |",
                   *(f"| {labels[m]} |" for m in mechs)):
        check(needle in md, f"markdown lacks {needle!r}")

    for e in errors:
        print("FAIL:", e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]))
