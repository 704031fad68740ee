#!/usr/bin/python3
"""Summarizes `perf report --no-children --sort dso,sym --stdio` (on stdin) of the Basalt
server: self time grouped by component, then the hottest symbols.

  perf report ... | perf_summary.py W1 > profile-basalt-W1.txt
"""
import collections
import re
import sys

GROUPS = [  # (group, dso regex, symbol regex), first match wins
    ("kernel: TCP/loopback", r"kernel", r"\btcp|inet|\bip_|skb|sock|\bnet_|dev_queue|dev_hard|netdev|loopback|napi|\bnf_|\bsk_|netif|softirq"),
    ("kernel: scheduling, futex, wake-ups", r"kernel", r"futex|sched|switch|wake|enqueue|dequeue|pick_|update_curr|_raw_spin|psi_|select_task|ttwu"),
    ("kernel: file locks (SQLite fcntl)", r"kernel", r"posix_lock|fcntl|locks_|flock"),
    ("kernel: other (syscall entry, copies, page cache)", r"kernel", r""),
    ("HTTP: Beast parser/serializer, sessions (src/basalt/http)", r"^basalt$", r"beast|http::"),
    ("Asio scheduler and coroutine frames", r"^basalt$", r"asio"),
    ("JSON building and writing (Basalt + Boost.JSON)", r"^basalt$|boost_json", r"json"),
    ("store: SQL building, rows to records", r"^basalt$", r"store::|Store"),
    ("service/api: rules, record export, handlers", r"^basalt$", r"service::|api::|filter::|schema::"),
    ("auth: JWT, HMAC", r"^basalt$|libcrypto", r""),
    ("Basalt: other", r"^basalt$", r""),
    ("SQLite", r"sqlite", r""),
    ("allocator (jemalloc)", r"jemalloc", r""),
    ("libc (memcpy, mutexes)", r"libc", r""),
    ("libstdc++", r"stdc\+\+", r""),
    ("other", r"", r""),
]


def group_of(dso, sym):
    for name, dso_re, sym_re in GROUPS:
        if name.startswith("auth") and not re.search(r"auth::|Hmac|Jwt|crypto|EVP|HMAC|SHA", sym + dso):
            continue
        if re.search(dso_re, dso) and re.search(sym_re, sym):
            return name
    return "other"


def main():
    workload = sys.argv[1] if len(sys.argv) > 1 else ""
    rows = []
    for line in sys.stdin:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
        if m:
            dso = m.group(2).replace("[kernel.kallsyms]", "kernel")
            rows.append((float(m.group(1)), dso, m.group(3).strip()))
    groups = collections.Counter()
    for pct, dso, sym in rows:
        groups[group_of(dso, sym)] += pct
    print(f"Basalt under {workload}: self time by component (perf record -F 999, % of samples)")
    for name, pct in groups.most_common():
        print(f"{pct:6.1f}%  {name}")
    print()
    print("hottest symbols:")
    for pct, dso, sym in rows[:30]:
        print(f"{pct:6.2f}%  {dso:24.24}  {sym[:110]}")


if __name__ == "__main__":
    main()
