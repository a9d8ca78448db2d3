#!/usr/bin/env python3
"""Checks a page evtrace drew (--html) as a browser rendered it.

  html_check.py report DOM JSON   DOM: chromium --dump-dom of the page;
  html_check.py bench DOM JSON    JSON: evtrace's own JSON of the same run
  html_check.py png FILE W H      a screenshot: a PNG of W x H, not blank

report: one section per mechanism of the report, one CDF and one stage bar
per mechanism with a measured total, the CDF's points rising from 0% to 100%,
the p50 and p99 labels equal to the report's (as printed, 3 digits), the
shares within 100%; bench: one row per claim with the claim's verdict, one
ratio plot per claim judged on a ratio, a latency row per mechanism; both:
nothing fetched from anywhere (no src, no external href), no script.
Exits 1 with one line per failure.
"""
import json
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

fails = []


def fail(msg):
    fails.append(msg)


class Dom(HTMLParser):
    """The elements, each as (tag, attrs, text inside it), in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elems = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": "", "parent": self.stack[-1] if self.stack else None}
        self.elems.append(e)
        if tag not in ("line", "rect", "circle", "polyline", "meta", "br", "path"):
            self.stack.append(e)

    def handle_startendtag(self, tag, attrs):
        self.elems.append({"tag": tag, "attrs": dict(attrs), "text": "",
                           "parent": self.stack[-1] if self.stack else None})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i]["tag"] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for e in self.stack:
            e["text"] += data

    def find(self, tag, cls=None):
        out = []
        for e in self.elems:
            if e["tag"] != tag:
                continue
            if cls and cls not in e["attrs"].get("class", "").split():
                continue
            out.append(e)
        return out

    def inside(self, e, tag):
        """The elements with tag below e."""
        out = []
        for x in self.elems:
            p = x["parent"]
            while p is not None and p is not e:
                p = p["parent"]
            if p is e and x["tag"] == tag:
                out.append(x)
        return out


def self_contained(dom):
    for e in dom.elems:
        a = e["attrs"]
        if e["tag"] == "script":
            fail("the page has a script")
        if "src" in a:
            fail(f"<{e['tag']} src={a['src']}>: the page fetches something")
        href = a.get("href") or a.get("xlink:href") or ""
        if re.match(r"^[a-z]+:", href):
            fail(f"<{e['tag']} href={href}>: an external reference")
        if e["tag"] == "link":
            fail("<link>: the page loads something")


UNITS = {"ns": 1, "µs": 1e3, "ms": 1e6, "s": 1e9}


def ns_of(label):
    m = re.search(r"([0-9.]+) (ns|µs|ms|s)\b", label)
    if not m:
        return None
    return float(m.group(1)) * UNITS[m.group(2)]


def check_report(dom, rep):
    mechs = rep["mechanisms"]
    sections = {e["attrs"].get("data-mechanism") for e in dom.find("section", "mechanism")}
    if sections != set(mechs):
        fail(f"sections {sorted(sections)} != the report's mechanisms {sorted(mechs)}")
    drawn = {k for k, m in mechs.items() if m["stages"]["total"]["count"] > 0}
    if not drawn:
        fail("the report has no mechanism with a total: nothing was drawn")
    # a stage bar where some event has a stage of its own (a kind whose
    # events all queued without a wakeup has a total but no split)
    split = {k for k in drawn if any(mechs[k]["stages"][s]["count"]
                                      for s in ("send", "wake", "return", "dispatch"))}
    for cls, want in (("cdf", drawn), ("stages", split)):
        svgs = [e["attrs"].get("data-mechanism") for e in dom.find("svg", cls)]
        if sorted(svgs) != sorted(want):
            fail(f"svg.{cls}: {sorted(svgs)}, expected one per mechanism with a {'total' if cls == 'cdf' else 'stage'}: {sorted(want)}")
    for e in dom.find("p", "accounting"):
        if e["attrs"].get("data-closes") != "yes":
            fail(f"accounting open: {e['text']!r}")
    for svg in dom.find("svg", "cdf"):
        k = svg["attrs"].get("data-mechanism")
        if k not in mechs:
            continue
        tot = mechs[k]["stages"]["total"]
        lines = dom.inside(svg, "polyline")
        if len(lines) != 1:
            fail(f"{k}: {len(lines)} CDF lines")
            continue
        pts = [tuple(map(float, p.split(","))) for p in lines[0]["attrs"].get("points", "").split()]
        if len(pts) < 2:
            fail(f"{k}: the CDF has {len(pts)} points")
            continue
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        # SVG y grows downwards: a CDF's y never goes up the page and back
        if any(b > a + 1e-6 for a, b in zip(ys, ys[1:])):
            fail(f"{k}: the CDF is not monotonic")
        if any(b < a - 1e-6 for a, b in zip(xs, xs[1:])):
            fail(f"{k}: the CDF's x goes backwards")
        if not (ys[0] > ys[-1] + 100):
            fail(f"{k}: the CDF does not rise across the plot ({ys[0]} -> {ys[-1]})")
        labels = {e["attrs"].get("data-q"): e["text"] for e in dom.inside(svg, "text")
                  if "marklabel" in e["attrs"].get("class", "")}
        for q in ("p50", "p99"):
            v = ns_of(labels.get(q, ""))
            if v is None:
                fail(f"{k}: no {q} label (labels: {labels})")
            elif abs(v - tot[q]) > 0.006 * tot[q] + 0.5:
                fail(f"{k}: {q} drawn as {labels[q]!r}, the report says {tot[q]} ns")
    for svg in dom.find("svg", "stages"):
        k = svg["attrs"].get("data-mechanism")
        widths = [float(r["attrs"]["width"]) for r in dom.inside(svg, "rect")]
        if not widths or sum(widths) > float(svg["attrs"]["width"]) + 0.5:
            fail(f"{k}: stage bar widths {widths} do not fit the bar")
        stages = {r["attrs"].get("data-stage") for r in dom.inside(svg, "rect")}
        if not stages & {"send", "wake", "return", "dispatch"}:
            fail(f"{k}: the stage bar has no stage ({stages})")
    for e in dom.find("span", "counter"):
        k = e["parent"]["parent"]["attrs"].get("data-mechanism")
        name = e["attrs"].get("data-counter")
        if k in mechs and name in mechs[k]:
            if e["text"].strip() != f"{name} {mechs[k][name]}":
                fail(f"{k}: counter {e['text']!r}, the report says {mechs[k][name]}")
            if name in ("lost", "unmatched") and mechs[k][name] and "bad" not in e["attrs"]["class"]:
                fail(f"{k}: {name} is non-zero but not highlighted")


def check_bench(dom, b):
    claims = b["claims"]
    rows = dom.find("tr", "claim")
    if [r["attrs"].get("data-claim") for r in rows] != [c["id"] for c in claims]:
        fail(f"claim rows {[r['attrs'].get('data-claim') for r in rows]} != the bench's claims")
    want = {"holds": "holds", "contradicted": "contradicted", "not distinguishable": "undecided"}
    for r, c in zip(rows, claims):
        if r["attrs"].get("data-verdict") != want.get(c["verdict"]):
            fail(f"{c['id']}: drawn {r['attrs'].get('data-verdict')}, the bench says {c['verdict']}")
    ratios = dom.find("svg", "ratio")
    want_ratio = [c["id"] for c in claims if c["column"] in ("latency", "throughput")
                  and (c.get("estimate") or {}).get("n", 0) > 0 and c["estimate"]["median"] > 0]
    if [s["attrs"].get("data-claim") for s in ratios] != want_ratio:
        fail(f"ratio plots {[s['attrs'].get('data-claim') for s in ratios]}, expected {want_ratio}")
    for svg, c in zip(ratios, [c for c in claims if c["id"] in want_ratio]):
        if not dom.inside(svg, "circle") or len(dom.inside(svg, "line")) < 3:
            fail(f"{c['id']}: a ratio plot without its dot and whisker")
        title = "".join(t["text"] for t in dom.inside(svg, "title"))
        if f"{c['estimate']['median']:.2f}×" not in title:
            fail(f"{c['id']}: the dot says {title!r}, the bench's median is {c['estimate']['median']:.2f}")
    lat = dom.find("svg", "latency")
    if len(lat) != 1:
        fail(f"{len(lat)} latency plots, expected 1")
    else:
        groups = {g["attrs"].get("data-mechanism") for g in dom.inside(lat[0], "g")}
        rows = {r["mechanism"] for r in b["rows"]}
        if groups != rows:
            fail(f"latency plot rows {sorted(groups)}, the bench's {sorted(rows)}")


def check_png(path, w, h):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
        return
    pw, ph, depth, ctype = struct.unpack(">IIBB", data[16:26])
    if (pw, ph) != (w, h):
        fail(f"{path}: {pw}x{ph}, expected {w}x{h}")
    # decode enough to tell a drawn page from a blank one: the share of
    # rows that are not a single colour
    idat = b""
    pos = 8
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        if typ == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = {2: 3, 6: 4}.get(ctype)
    if depth != 8 or not bpp:
        fail(f"{path}: unexpected PNG format (depth {depth}, colour type {ctype})")
        return
    stride = pw * bpp
    prev = bytearray(stride)
    busy = 0
    for y in range(ph):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if len(set(line[j:j + 3] and bytes(line[j:j + 3]) for j in range(0, stride, bpp))) > 1:
            busy += 1
        prev = line
    if busy < ph // 5:
        fail(f"{path}: only {busy} of {ph} rows hold anything: the page looks blank")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    mode = sys.argv[1]
    if mode == "png":
        check_png(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        dom = Dom()
        dom.feed(open(sys.argv[2], encoding="utf-8").read())
        data = json.load(open(sys.argv[3]))
        self_contained(dom)
        if mode == "report":
            check_report(dom, data)
        elif mode == "bench":
            check_bench(dom, data)
        else:
            print(f"unknown mode {mode}", file=sys.stderr)
            return 2
    for f in fails:
        print(f"FAIL: {sys.argv[2]}: {f}", file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
