#!/usr/bin/python3
"""Process accounting for the peer benchmark, from /proc.

  procs.py cpu PGID    → "<process jiffies of the machine> <jiffies of process group PGID>
                         <jiffies of kernel threads>": user + nice + system time of /proc/stat
                         (interrupt time belongs to no process), the group's time including its
                         reaped children (finished wrk runs), and kernel threads' (ksoftirqd,
                         kworkers) time, so that the CPU other users' processes took during a
                         run can be told apart from the benchmark's own.
  procs.py busy SECS   → the machine's CPU busy percentage over SECS seconds.
  procs.py mem PID     → "<sum of VmRSS> <sum of VmHWM>" in KiB over PID and its descendants.
  procs.py tree PID    → PID and its descendants, one line.
"""
import os
import sys
import time


def machine_process_time():
    with open("/proc/stat") as f:
        user, nice, system = (int(x) for x in f.readline().split()[1:4])
    return user + nice + system


def machine_busy():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    rest = s[s.rindex(")") + 2:].split()  # fields from the 3rd (state) on
    return {"ppid": int(rest[1]), "pgrp": int(rest[2]),
            "cpu": int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])}


def all_stats():
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                out[int(d)] = stat(d)
            except (OSError, ValueError, IndexError):
                pass
    return out


def descendants(root, stats):
    tree, todo = [root], [root]
    while todo:
        p = todo.pop()
        kids = [pid for pid, s in stats.items() if s["ppid"] == p]
        tree += kids
        todo += kids
    return tree


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "cpu":
        pgid = int(sys.argv[2])
        stats = all_stats()
        ours = sum(s["cpu"] for s in stats.values() if s["pgrp"] == pgid)
        kthreads = sum(s["cpu"] for pid, s in stats.items() if pid == 2 or s["ppid"] == 2)
        print(machine_process_time(), ours, kthreads)
    elif cmd == "busy":
        b0, t0 = machine_busy()
        time.sleep(float(sys.argv[2]))
        b1, t1 = machine_busy()
        print(round(100.0 * (b1 - b0) / max(1, t1 - t0)))
    elif cmd == "tree":
        print(" ".join(str(p) for p in descendants(int(sys.argv[2]), all_stats())))
    elif cmd == "mem":
        pids = descendants(int(sys.argv[2]), all_stats())
        print(sum(status_kib(p, "VmRSS") for p in pids), sum(status_kib(p, "VmHWM") for p in pids))
