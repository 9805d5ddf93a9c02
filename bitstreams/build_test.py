#!/usr/bin/env python3
"""Unit tests of bitstreams/build's readers of tool output (no tools run): the slack histogram
reader (`over_goal`), the output-register check (`outputs_kept`) and the wrapper's keep mark.

    python3 bitstreams/build_test.py
"""

import importlib.machinery
import importlib.util
import json
import random
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
_loader = importlib.machinery.SourceFileLoader("build", str(HERE / "build"))
_spec = importlib.util.spec_from_loader("build", _loader)
build = importlib.util.module_from_spec(_spec)
_loader.exec_module(build)
wrap = build.wrap


def histogram(counts, start_ps, step_ps):
    """A slack histogram printed as nextpnr 0.11 prints it (common/kernel/timing.cc)."""
    fullest = max(counts)
    width = min(60, fullest)
    lines = ["Info: Slack histogram:",
             f"Info:  legend: * represents {fullest // width} endpoint(s)",
             f"Info:          + represents [1,{fullest // width}) endpoint(s)"]
    for i, n in enumerate(counts):
        lo = start_ps + step_ps * i
        stars = "*" * (n * width // fullest)
        plus = "+" if n * width % fullest else " "
        lines.append(f"Info: [{lo:6d}, {lo + step_ps:6d}) |{stars}{plus}")
    return "Info: Max frequency for clock 'clk': 150.00 MHz\n\n" + "\n".join(lines) + "\n"


class OverGoal(unittest.TestCase):
    def test_true_counts_inside_the_ranges(self):
        rng = random.Random(21)
        for _ in range(200):
            counts = [rng.choice([0, 1, 2, 7, rng.randint(0, 6000)]) for _ in range(20)]
            if max(counts) == 0:
                continue
            start, step = rng.randint(-3000, 2000), rng.randint(50, 400)
            constraint = rng.choice([120.0, 200.0])
            got = build.over_goal(histogram(counts, start, step), constraint)
            threshold = 1e6 / constraint - 1e6 / 200.0
            # Certainly over: whole bins below the threshold; the bin holding it may be either.
            sure = sum(n for i, n in enumerate(counts) if start + step * (i + 1) <= threshold)
            maybe = sum(n for i, n in enumerate(counts) if start + step * i < threshold)
            self.assertLessEqual(got["of"][0], sum(counts))
            self.assertGreaterEqual(got["of"][1], sum(counts))
            self.assertLessEqual(got["endpoints"][0], sure)
            self.assertGreaterEqual(got["endpoints"][1], maybe)

    def test_ranges_of_a_large_design_are_tight(self):
        # The core's shape: thousands of endpoints in every bin, about 100 a star.
        rng = random.Random(8)
        for _ in range(50):
            counts = [rng.randint(600, 6000) for _ in range(20)]
            got = build.over_goal(histogram(counts, 0, 340), 120.0)
            self.assertLessEqual(got["of"][1] - got["of"][0], 0.08 * sum(counts))

    def test_a_bin_without_plus_pins_the_scale(self):
        # Legend 100: the fullest bin M is 6000..6059. The bin with one star and no `+` holds M / 60
        # exactly, so M = 6000: it is 100, the fullest 6000, and the one-star `+` bin 101..199.
        got = build.over_goal(histogram([100, 150, 6000], -200, 100), 200.0)
        self.assertEqual(got["of"], [6201, 6299])
        self.assertEqual(got["endpoints"], [201, 299])

    def test_small_histograms_are_exact(self):
        # Under 60 endpoints in the fullest bin, a star is one endpoint.
        got = build.over_goal(histogram([3, 0, 5, 40], -200, 100), 200.0)
        self.assertEqual(got, {"endpoints": [3, 3], "of": [48, 48], "goal_ns": 5.0})

    def test_slack_against_a_lower_target(self):
        # At --freq 120 a path over 5 ns has a slack under 3,333 ps.
        got = build.over_goal(histogram([10, 20, 30], 3150, 100), 120.0)
        self.assertEqual(got["endpoints"], [10, 30])  # the second bin straddles 3,333 ps

    def test_no_histogram(self):
        self.assertIsNone(build.over_goal("Info: Program finished normally.\n", 200.0))


def wrapped_json(fold0_bits, driven):
    """A minimal yosys JSON of the wrapper: `fold0`'s bits and one flip-flop per driven bit."""
    cells = {f"ff{b}": {"type": "TRELLIS_FF", "port_directions": {"Q": "output", "DI": "input"},
                        "connections": {"Q": [b], "DI": [1000 + b]}} for b in driven}
    return {"modules": {"aggnic_wrap": {"cells": cells, "netnames": {"fold0": {"bits": fold0_bits}}}}}


class OutputsKept(unittest.TestCase):
    def check(self, bits, driven):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "wrapped.json").write_text(json.dumps(wrapped_json(bits, driven)))
            return build.outputs_kept(build.wrapped_module(Path(d), "aggnic_wrap"))

    def test_own_flip_flops_and_constants(self):
        self.assertEqual(self.check([5, 6, "0", 7], [5, 6, 7]),
                         {"bits": 4, "constant": 1, "shared": 0, "undriven": 0})

    def test_merged_outputs_are_counted(self):
        self.assertEqual(self.check([5, 5, 6, 5], [5, 6])["shared"], 2)

    def test_undriven_bits_are_counted(self):
        self.assertEqual(self.check([5, 6], [5])["undriven"], 1)


class Wrapper(unittest.TestCase):
    def test_output_registers_are_kept(self):
        ports = [("input", "clock", 1), ("input", "a", 8), ("output", "x", 3), ("output", "y", 3)]
        text, summary = wrap.generate(ports)
        self.assertIn("(* keep *) always @(posedge clk) fold0 <= res;", text)
        self.assertEqual(summary["output_bits"], 6)


if __name__ == "__main__":
    unittest.main()
