#!/usr/bin/env python3
"""bitstreams/levels.py: logic levels between registers in a synthesised ECP5 netlist.

    bitstreams/levels.py NETLIST.json [--top MODULE] [--paths N] [--groups N]

A quick stand-in for a timing report (seconds instead of the hour a place and route of the core
takes): for every register input (TRELLIS_FF D/CE/LSR, DP16KD and LUT-RAM write ports) the
deepest chain of logic cells behind it, counted in levels: LUT4 = 1, PFUMX/L6MUX21 = 0.3 (the
slice's wide-function muxes), CCU2C = 0.12 (a carry cell, 2 bits). Registers, block RAM outputs
and ports start a path at 0. On the ECP5-85 speed 8 a level costs about 1.6 ns after placement
(the core: 19.2 levels, 32.1 MHz estimated by nextpnr), so 200 MHz means about 3 levels.

NETLIST is yosys `write_json` output, e.g. target/bitstreams/work/<design>/wrapped.json from
`bitstreams/build`. Prints the histogram of endpoint levels, the deepest endpoint groups
(registers of one name) and the deepest paths, net by net (yosys names nets after the cells
they feed, so read the start and end points; the middle is a hint).
"""

import argparse
import collections
import json
import re
import sys

WEIGHT = {"LUT4": 1.0, "PFUMX": 0.3, "L6MUX21": 0.3, "CCU2C": 0.12, "TRELLIS_DPR16X4": 1.0}
SEQUENTIAL = {"TRELLIS_FF", "DP16KD", "TRELLIS_IO", "EHXPLLL", "DCCA"}
# Register inputs that end a path.
ENDPOINTS = {"TRELLIS_FF": ("DI", "M", "CE", "LSR"), "DP16KD": None, "TRELLIS_DPR16X4": ("DI", "WAD", "WRE")}


def load(path, top):
    m = json.load(open(path))["modules"][top]
    names = {}
    for n, v in m["netnames"].items():
        for i, b in enumerate(v["bits"]):
            if isinstance(b, int) and (b not in names or (names[b].startswith("$") and not n.startswith("$"))):
                names[b] = n if len(v["bits"]) == 1 else f"{n}[{i}]"
    driver, inputs = {}, collections.defaultdict(list)
    for cn, c in m["cells"].items():
        dirs = c.get("port_directions", {})
        for port, bits in c["connections"].items():
            for b in bits:
                if isinstance(b, int):
                    if dirs.get(port, "input") == "output":
                        driver[b] = cn
                    else:
                        inputs[cn].append((port, b))
    return m["cells"], names, driver, inputs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("netlist")
    ap.add_argument("--top", default="aggnic_wrap")
    ap.add_argument("--paths", type=int, default=5)
    ap.add_argument("--groups", type=int, default=30)
    a = ap.parse_args()
    cells, names, driver, inputs = load(a.netlist, a.top)
    sys.setrecursionlimit(1_000_000)
    arrival, via, unknown = {}, {}, collections.Counter()

    def arrive(b):
        if b in arrival:
            return arrival[b]
        arrival[b] = 0.0
        cn = driver.get(b)
        t = cells[cn]["type"] if cn else None
        if t is None or t in SEQUENTIAL or t not in WEIGHT:
            if t and t not in SEQUENTIAL and t not in WEIGHT:
                unknown[t] += 1
            return 0.0
        best, through = 0.0, None
        for port, ib in inputs[cn]:
            if t == "TRELLIS_DPR16X4" and not port.startswith("RAD"):
                continue  # the LUT RAM's read is combinational from its read address only
            x = arrive(ib)
            if through is None or x > best:
                best, through = x, ib
        arrival[b], via[b] = best + WEIGHT[t], through
        return arrival[b]

    ends = []
    for cn, c in cells.items():
        if c["type"] in ENDPOINTS:
            ports = ENDPOINTS[c["type"]]
            for port, ib in inputs[cn]:
                if ports is None or port.startswith(ports):
                    ends.append((arrive(ib), cn, port, ib))
    ends.sort(key=lambda e: -e[0])
    hist = collections.Counter(int(e[0]) for e in ends)
    print("endpoints by level:", ", ".join(f"{k}: {n}" for k, n in sorted(hist.items(), reverse=True)))
    if unknown:
        print("cells not weighted (counted as path starts):", dict(unknown))

    groups = collections.defaultdict(lambda: [0.0, 0])
    for lv, cn, _, _ in ends:
        g = re.sub(r"(_TRELLIS_FF_Q.*|\$q.*|\.q_TRELLIS.*|_DI_.*|\.mem\..*)$", "", cn)
        g = re.sub(r"\$\d+", "$N", g)
        groups[g][0] = max(groups[g][0], lv)
        groups[g][1] += 1
    print(f"\ndeepest endpoint groups (levels, registers, name):")
    for g, (lv, n) in sorted(groups.items(), key=lambda x: -x[1][0])[: a.groups]:
        print(f"{lv:5.1f} {n:6d}  {g}")

    shown = set()
    for lv, cn, port, ib in ends:
        if len(shown) >= a.paths:
            break
        key = re.sub(r"(_TRELLIS_FF_Q.*|\$q.*|\.q_TRELLIS.*)$", "", cn)
        if key in shown:
            continue
        shown.add(key)
        print(f"\n{lv:.1f} levels -> {cn}.{port}")
        chain, b = [], ib
        while b is not None:
            chain.append(b)
            b = via.get(b)
        for b in reversed(chain):
            print(f"  {arrival.get(b, 0.0):5.1f}  {names.get(b, b)}"[:160])


if __name__ == "__main__":
    main()
