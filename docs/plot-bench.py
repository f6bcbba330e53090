#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Plot a `vpci-rig bench --json` result as SVG (standard library only).

    ./vpci-rig bench --json > bench.json
    docs/plot-bench.py bench.json docs/img

writes, for the sections the run had:
  boot-phases.svg   boot-to-verdict of `boot` at each SMP, stacked by phase
                    (the `phases` bench derives per run), beside the stock boot
  wc-scenarios.svg  every scenario's boot-to-verdict with --wc on and off
"""
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

PHASE_COLOURS = ["#404040", "#d9a441", "#4c72b0", "#55a868", "#c44e52", "#8172b2", "#64b5cd"]
ON, OFF, STOCK = "#c44e52", "#4c72b0", "#c8c8c8"


class Svg:
    def __init__(self, width, height):
        self.w, self.h, self.items = width, height, []

    def rect(self, x, y, w, h, fill, title=None):
        t = f"<title>{escape(title)}</title>" if title else ""
        self.items.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
                          f'height="{h:.1f}" fill="{fill}">{t}</rect>')

    def text(self, x, y, s, anchor="start", size=12, weight="normal"):
        self.items.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" '
                          f'font-weight="{weight}" text-anchor="{anchor}">{escape(s)}</text>')

    def line(self, x1, y1, x2, y2, colour="#000", dash=None):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.items.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                          f'stroke="{colour}"{d}/>')

    def save(self, path):
        body = "\n".join(self.items)
        path.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" '
                        f'height="{self.h}" font-family="sans-serif">\n'
                        f'<rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n')


def axis(svg, x0, x1, y, vmax, step):
    """A seconds axis along y from x0 (0 s) to x1 (vmax s)."""
    svg.line(x0, y, x1, y)
    v = 0.0
    while v <= vmax + 1e-9:
        x = x0 + (x1 - x0) * v / vmax
        svg.line(x, y, x, y + 4)
        svg.text(x, y + 16, f"{v:g}", anchor="middle", size=11)
        v += step
    svg.text((x0 + x1) / 2, y + 32, "seconds", anchor="middle", size=11)


def nice_step(vmax):
    for step in (0.5, 1, 2, 5, 10, 20, 50):
        if vmax / step <= 10:
            return step
    return 100


def plot_boot(bench, out):
    rows = []  # (label, [(name, seconds)], total)
    for b in bench.get("boot", []):
        phases = b["rig"].get("phases")
        if phases:
            rows.append((f"rig boot, SMP {b['smp']}", list(phases.items()),
                         b["rig"]["seconds_median"]))
        rows.append((f"stock boot, SMP {b['smp']}", [("stock (whole boot)",
                                                      b["stock"]["seconds_median"])],
                     b["stock"]["seconds_median"]))
    if not rows:
        return False
    names = []
    for _, parts, _ in rows:
        for n, _ in parts:
            if n not in names and n != "stock (whole boot)":
                names.append(n)
    vmax = max(total for _, _, total in rows) * 1.05
    left, right, bar, gap = 150, 660, 26, 14
    top = 40
    height = top + len(rows) * (bar + gap) + 60 + 20 * ((len(names) + 3) // 4 + 1)
    svg = Svg(right + 40, height)
    svg.text(20, 24, "boot-to-verdict by phase (medians, seconds)", size=14, weight="bold")
    scale = (right - left) / vmax
    for i, (label, parts, total) in enumerate(rows):
        y = top + i * (bar + gap)
        svg.text(left - 8, y + bar * 0.68, label, anchor="end")
        x = left
        for n, v in parts:
            colour = STOCK if n == "stock (whole boot)" else \
                PHASE_COLOURS[names.index(n) % len(PHASE_COLOURS)]
            svg.rect(x, y, v * scale, bar, colour, f"{n}: {v:.2f} s")
            x += max(v, 0) * scale
        svg.text(x + 6, y + bar * 0.68, f"{total:.2f} s", size=11)
    y = top + len(rows) * (bar + gap)
    axis(svg, left, left + vmax * scale, y, vmax, nice_step(vmax))
    for j, n in enumerate(names + ["stock (whole boot)"]):
        lx = 20 + (j % 4) * 170
        ly = y + 52 + (j // 4) * 20
        svg.rect(lx, ly - 10, 12, 12, STOCK if j == len(names) else
                 PHASE_COLOURS[j % len(PHASE_COLOURS)])
        svg.text(lx + 18, ly, n, size=11)
    svg.save(out / "boot-phases.svg")
    return True


def plot_scenarios(bench, out):
    rows = [s for s in bench.get("scenarios", []) if "wc_on" in s and "wc_off" in s]
    if not rows:
        return False
    vmax = max(max(s["wc_on"]["seconds_max"], s["wc_off"]["seconds_max"]) for s in rows) * 1.05
    left, right, bar, gap = 130, 660, 12, 14
    top = 40
    height = top + len(rows) * (2 * bar + gap) + 70
    svg = Svg(right + 60, height)
    svg.text(20, 24, "scenarios at SMP 4, WC model on and off (median; whisker: min-max)",
             size=14, weight="bold")
    scale = (right - left) / vmax
    for i, s in enumerate(rows):
        y = top + i * (2 * bar + gap)
        svg.text(left - 8, y + bar + 4, s["scenario"], anchor="end")
        for k, (key, colour) in enumerate((("wc_on", ON), ("wc_off", OFF))):
            m = s[key]
            yy = y + k * bar
            svg.rect(left, yy, m["seconds_median"] * scale, bar - 2, colour,
                     f"{s['scenario']} {key}: {m['seconds_median']:.2f} s")
            svg.line(left + m["seconds_min"] * scale, yy + bar / 2 - 1,
                     left + m["seconds_max"] * scale, yy + bar / 2 - 1)
            svg.text(left + m["seconds_max"] * scale + 6, yy + bar - 3,
                     f"{m['seconds_median']:.2f}", size=10)
    y = top + len(rows) * (2 * bar + gap)
    axis(svg, left, left + vmax * scale, y, vmax, nice_step(vmax))
    for j, (n, colour) in enumerate((("--wc on", ON), ("--wc off", OFF))):
        svg.rect(20 + j * 120, y + 44, 12, 12, colour)
        svg.text(38 + j * 120, y + 54, n, size=11)
    svg.save(out / "wc-scenarios.svg")
    return True


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    bench = json.loads(Path(argv[1]).read_text())
    out = Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    made = [name for name, ok in (("boot-phases.svg", plot_boot(bench, out)),
                                  ("wc-scenarios.svg", plot_scenarios(bench, out))) if ok]
    for name in made:
        print(out / name)
    if not made:
        print("plot-bench: the run has neither a boot nor a scenarios section", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
