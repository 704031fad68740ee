#!/usr/bin/python3
"""Turns the runs of bench/peers.sh into bench/out/peers.md and the data of the chart.

  report.py OUT_DIR   reads OUT_DIR/runs.tsv, OUT_DIR/raw/*.txt (wrk output), OUT_DIR/meta.txt;
                      writes OUT_DIR/peers.md, OUT_DIR/peers-rps.dat, OUT_DIR/peers-p99.dat

Each figure is the median over the repeats of a workload (req/s, p50 and p99 each on its
own); errors are summed over the repeats (socket errors + non-2xx answers).
"""
import os
import re
import statistics
import sys

SYSTEMS = ["basalt", "nginx", "fastify", "fastapi", "drf"]
LABEL = {"basalt": "Basalt", "nginx": "nginx (static files)", "fastify": "Fastify + better-sqlite3",
         "fastapi": "FastAPI + SQLAlchemy", "drf": "Django REST Framework"}
SHORT = {"basalt": "Basalt", "nginx": "nginx", "fastify": "Fastify", "fastapi": "FastAPI", "drf": "DRF"}
DB_PEERS = ["fastify", "fastapi", "drf"]
WORKLOADS = [
    ("W1", "view one post by id (random ids)"),
    ("W2", "list `published && views>100`, sort `-created`, 30/page, with total"),
    ("W3", "create a post (JSON body, author checked)"),
    ("W4", "list one author's posts (random author), sort `-created`, 30/page, with total"),
    ("W5", "auth-refresh with a valid user token"),
    ("W6", "list the user's own notes through `author = @request.auth.id`, 30/page, with total"),
    ("W7", "mixed: 90 % view by id, 10 % create"),
]
NOISY_CORES = 0.25  # CPU other processes used during a run, in cores


def ms(v):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", v)
    if not m:
        return None
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def parse_wrk(text):
    r = {"errors": 0}
    for line in text.splitlines():
        f = line.split()
        if line.startswith("Requests/sec:"):
            r["rps"] = float(f[1])
        elif f[:1] == ["50%"]:
            r["p50"] = ms(f[1])
        elif f[:1] == ["99%"]:
            r["p99"] = ms(f[1])
        elif "requests in" in line:
            r["requests"] = int(f[0])
        elif line.strip().startswith("Socket errors:"):
            r["errors"] += sum(int(x) for x in re.findall(r"\d+", line))
        elif line.strip().startswith("Non-2xx"):
            r["errors"] += int(f[-1])
    return r


def fmt_rps(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"


def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v:.2f} ms" if v < 100 else f"{v:,.0f} ms"


def main(out):
    meta = {}
    with open(os.path.join(out, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    runs = {}
    noisy = []
    with open(os.path.join(out, "runs.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            with open(os.path.join(out, "raw", row["file"])) as rf:
                r = parse_wrk(rf.read())
            r.update(row)
            runs.setdefault((row["system"], row["workload"]), []).append(r)
            if float(row["foreign_cores"]) > NOISY_CORES or row["quiet"] != "yes":
                noisy.append(row)

    med = {}
    for key, rs in runs.items():
        rs = [r for r in rs if r.get("rps")]
        if not rs:
            continue
        med[key] = dict(rps=statistics.median(r["rps"] for r in rs),
                        p50=statistics.median(r["p50"] for r in rs),
                        p99=statistics.median(r["p99"] for r in rs),
                        errors=sum(r["errors"] for r in rs),
                        requests=sum(r.get("requests", 0) for r in rs),
                        foreign=max(float(r["foreign_cores"]) for r in rs),
                        n=len(rs))

    def g(s, w, k="rps"):
        return med.get((s, w), {}).get(k)

    lines = []
    p = lines.append
    p(f"Machine: {meta.get('machine')}; {meta.get('date')}")
    p(f"Load: `wrk -t1 -c{meta.get('conns')} -d{meta.get('duration')}s --latency --timeout 10s` on the "
      f"same machine; {meta.get('repeats')} repeat(s) per workload, median reported (req/s, p50 and "
      "p99 each the median of its own); errors summed over the repeats.")
    p(f"Data: {meta.get('data')}")
    sync = meta.get("sync", "normal")
    p("Durability, the same for every system: " +
      ("SQLite `synchronous=FULL` — each acknowledged commit is fsynced (Basalt's default)."
       if sync == "full" else
       "SQLite `synchronous=NORMAL` — PocketBase's setting; survives a process crash, not a power loss."))
    p(f"Versions: {meta.get('versions')}")
    p("Answers checked against the database before timing: " +
      ", ".join(f"{SHORT[s]} {meta[s + '_validation']}" for s in SYSTEMS if s + "_validation" in meta) + ".")
    p("")
    if meta.get("quiet_warning"):
        p(f"**Warning: {meta['quiet_warning']}**")
        p("")
    p("## Summary (req/s; Basalt's ratio to each peer)")
    p("")
    p("| workload | " + " | ".join(SHORT[s] for s in SYSTEMS) + " | Basalt ÷ " +
      " | Basalt ÷ ".join(SHORT[s] for s in SYSTEMS[1:]) + " |")
    p("|---|" + "---:|" * (2 * len(SYSTEMS) - 1))
    for w, _ in WORKLOADS:
        b = g("basalt", w)
        cells = [fmt_rps(g(s, w)) if g(s, w) else "–" for s in SYSTEMS]
        ratios = [f"{b / g(s, w):.1f}×" if b and g(s, w) else "–" for s in SYSTEMS[1:]]
        p(f"| {w} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    p("")
    p("p99 latency:")
    p("")
    p("| workload | " + " | ".join(SHORT[s] for s in SYSTEMS) + " |")
    p("|---|" + "---:|" * len(SYSTEMS))
    for w, _ in WORKLOADS:
        p(f"| {w} | " + " | ".join(fmt_ms(g(s, w, "p99")) for s in SYSTEMS) + " |")
    p("")
    for w, title in WORKLOADS:
        p(f"### {w}: {title}")
        p("")
        p("| system | req/s | p50 | p99 | errors | Basalt ÷ this | max. CPU of others |")
        p("|---|---:|---:|---:|---:|---:|---:|")
        b = g("basalt", w)
        for s in SYSTEMS:
            m = med.get((s, w))
            if not m:
                continue
            ratio = f"{b / m['rps']:.2f}×" if b and s != "basalt" else ""
            err = f"{m['errors']:,} of {m['requests']:,}" if m["errors"] else "0"
            p(f"| {LABEL[s]} | {fmt_rps(m['rps'])} | {fmt_ms(m['p50'])} | {fmt_ms(m['p99'])} | {err} | "
              f"{ratio} | {m['foreign']:.2f} cores |")
        p("")

    # Targets of issue #8.
    def ratio(w, s):
        return g("basalt", w) / g(s, w) if g("basalt", w) and g(s, w) else None

    def mark(ok):
        return "–" if ok is None else ("met" if ok else "**missed**")

    p("## Targets (issue #8)")
    p("")
    p("| target | measured | |")
    p("|---|---|---|")
    checks = [
        ("W1 ≥ 0.6 × nginx", ratio("W1", "nginx"), 0.6),
        ("W1 ≥ 2 × Fastify", ratio("W1", "fastify"), 2.0),
        ("W3 ≥ 1.5 × Fastify", ratio("W3", "fastify"), 1.5),
        ("W4 ≥ 3 × Fastify", ratio("W4", "fastify"), 3.0),
        ("W6 ≥ 3 × Fastify", ratio("W6", "fastify"), 3.0),
    ]
    for name, v, want in checks:
        p(f"| {name} | {'–' if v is None else f'{v:.2f}×'} | {mark(None if v is None else v >= want)} |")
    for name, w, want in [("W2 ≥ 1,000 req/s, exact totals", "W2", 1000), ("W5 ≥ 20,000 req/s", "W5", 20000)]:
        v = g("basalt", w)
        p(f"| {name} | {'–' if v is None else fmt_rps(v)} | {mark(None if v is None else v >= want)} |")
    for w, _ in WORKLOADS:
        best = min((g(s, w, "p99") for s in DB_PEERS if g(s, w, "p99")), default=None)
        v = g("basalt", w, "p99")
        ok = None if v is None or best is None else v <= best / 5
        p(f"| {w} p99 ≤ 1/5 of the best database peer's ({fmt_ms(best)}) | {fmt_ms(v)} | {mark(ok)} |")
    for name, key, limit in [("Basalt RSS idle < 30 MB", "basalt_rss_idle_kib", 30e6),
                             ("Basalt RSS peak during the runs < 150 MB", "basalt_rss_peak_kib", 150e6)]:
        v = meta.get(key)
        v = int(v) if v else None
        p(f"| {name} | {'–' if v is None else f'{v / 1024:.1f} MiB'} | "
          f"{mark(None if v is None else v * 1024 < limit)} |")
    p("")
    p("## Memory (resident set of the whole process tree, KiB → MiB)")
    p("")
    p("| system | processes | idle (started, one request served) | peak during the runs (sum of VmHWM) |")
    p("|---|---:|---:|---:|")
    for s in SYSTEMS:
        if meta.get(f"{s}_rss_idle_kib"):
            p(f"| {LABEL[s]} | {meta.get(f'{s}_procs', '?')} | {int(meta[f'{s}_rss_idle_kib']) / 1024:.1f} MiB | "
              f"{int(meta[f'{s}_rss_peak_kib']) / 1024:.1f} MiB |")
    p("")
    p("## Noise")
    p("")
    p(f"Before each timed run the script waited up to {meta.get('quiet_timeout')} s for the machine's "
      f"CPU use to drop below {meta.get('quiet_busy')} % (two cores); `max. CPU of others` is the CPU "
      "time used during the run by processes outside the benchmark's own process group, in cores.")
    if noisy:
        p(f"{len(noisy)} of {sum(len(v) for v in runs.values())} runs were not quiet (others used more than "
          f"{NOISY_CORES} cores, or the wait timed out):")
        p("")
        p("| system | workload | repeat | CPU busy before | CPU of others during | load avg |")
        p("|---|---|---:|---:|---:|---:|")
        for r in noisy:
            p(f"| {r['system']} | {r['workload']} | {r['rep']} | {r['busy_before']} % | "
              f"{float(r['foreign_cores']):.2f} cores | {r['load1']} |")
    else:
        p("Every run was quiet.")
    p("")
    with open(os.path.join(out, "peers.md"), "w") as f:
        f.write("\n".join(lines))

    for key, fname in (("rps", "peers-rps.dat"), ("p99", "peers-p99.dat")):
        with open(os.path.join(out, fname), "w") as f:
            f.write("workload " + " ".join(SHORT[s] for s in SYSTEMS) + "\n")
            for w, _ in WORKLOADS:
                vals = [g(s, w, key) for s in SYSTEMS]
                f.write(w + " " + " ".join("-" if v is None else f"{v:.3f}" for v in vals) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
