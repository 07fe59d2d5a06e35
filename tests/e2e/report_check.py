#!/usr/bin/env python3
"""report_check.py: checks of `trainprov report` pages rendered in headless
Chromium (tests/e2e/report_lib.sh).

  dom HTML JSON H5...   the DOM Chromium builds holds the verdict and every
                        claim of `verify --json` (JSON) with its status, one
                        timeline lane per stream of the logs H5... (h5py; a
                        chain's segments in order), and no script, event
                        handler or reference to anything outside the page
  offline HTML          the file references nothing outside itself, and
                        Chromium fetches nothing when rendering it: a probe
                        image pointing at a local HTTP server is blocked by
                        the page's Content-Security-Policy, and the same
                        probe without that policy is fetched (so the check
                        can fail)
  screenshot HTML PNG   a screenshot is produced, has the window's size and
                        is far richer than a blank page's
  text HTML STRING      the rendered page shows STRING as text (a hostile
                        file name, escaped and displayed, not interpreted)
  time HTML SECONDS     Chromium renders the page within SECONDS
Exit 0 when the check holds, 1 with the reasons on stderr.
"""
import html.parser
import http.server
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time

CHROMIUM = os.environ.get("CHROMIUM", "chromium")
WINDOW = (1300, 2000)


def chromium(*args, timeout=60):
    env = dict(os.environ)
    # under ./test.sh --sanitize every program gets libasan preloaded; not a browser
    env.pop("LD_PRELOAD", None)
    env.pop("ASAN_OPTIONS", None)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-proxy-server",
           "--no-first-run", "--disable-extensions", "--disable-background-networking",
           "--user-data-dir=" + tempfile.mkdtemp(prefix="tp-chromium-")] + list(args)
    try:
        return subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        sys.exit("chromium %s did not finish within %d s (a dialog, a hang)" % (args[-1], timeout))


def dump_dom(path):
    r = chromium("--dump-dom", "file://" + os.path.abspath(path))
    if r.returncode != 0 or not r.stdout:
        sys.exit("chromium --dump-dom %s failed (%d): %s" % (path, r.returncode, r.stderr[-2000:]))
    return r.stdout.decode("utf-8", "replace")


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, attrs dict)
        self.text = []
        self.style = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        (self.style if self.in_style else self.text).append(data)


def parse(dom_text):
    d = Dom()
    d.feed(dom_text)
    return d


def classes(attrs):
    return (attrs.get("class") or "").split()


def injection_problems(d):
    bad = []
    for tag, attrs in d.elements:
        if tag in ("script", "iframe", "object", "embed", "link", "img", "image", "frame",
                   "base", "form", "audio", "video", "source"):
            bad.append("a <%s> element" % tag)
        for k, v in attrs.items():
            if k.startswith("on"):
                bad.append("an event handler attribute %s on <%s>" % (k, tag))
            if k in ("src", "srcset", "action", "formaction", "xlink:href", "background"):
                bad.append("an attribute %s=%r on <%s>" % (k, v, tag))
            if k == "href" and not (v or "").startswith("#"):
                bad.append("a link href=%r on <%s>" % (v, tag))
            if k == "style" or (tag == "meta" and k == "http-equiv" and v.lower() == "refresh"):
                bad.append("an attribute %s=%r on <%s>" % (k, v, tag))
    return bad


def h5_streams(paths):
    import h5py
    out = []
    for seg, p in enumerate(paths, 1):
        with h5py.File(p, "r") as f:
            out += [(seg, name) for name in f["streams"].keys()]
    return out


def check_dom(html_path, json_path, h5_paths):
    report = json.load(open(json_path))
    d = parse(dump_dom(html_path))
    bad = injection_problems(d)
    verdicts = [a.get("data-verdict") for t, a in d.elements if a.get("id") == "verdict"]
    if verdicts != [report["verdict"]]:
        bad.append("verdict in the DOM %r, verify --json says %r" % (verdicts, report["verdict"]))
    rows = {a.get("data-claim"): a.get("data-status") for t, a in d.elements
            if "claim-row" in classes(a)}
    want = {c["id"]: c["status"] for c in report["claims"]}
    if rows != want:
        bad.append("claims in the DOM %r, verify --json says %r" % (rows, want))
    sections = {a.get("id") for t, a in d.elements if "claim" in classes(a) and t == "section"}
    if sections != {"claim-" + i for i in want}:
        bad.append("claim sections %r" % sorted(sections))
    lanes = [a for t, a in d.elements if t == "g" and "lane" in classes(a)]
    streams = h5_streams(h5_paths)
    counted = sum(int(a.get("data-streams", "0")) for a in lanes)
    if counted != len(streams):
        bad.append("the timeline accounts for %d streams, the logs hold %d" % (counted, len(streams)))
    if not any("aggregated" in classes(a) for a in lanes):
        got = sorted((int(a.get("data-segment", "0")), a.get("data-stream")) for a in lanes)
        if got != sorted(streams):
            bad.append("timeline lanes %r, the logs' streams %r" % (got, sorted(streams)))
    if not any(t == "svg" and "timeline" in classes(a) for t, a in d.elements):
        bad.append("no timeline <svg>")
    return bad


def static_references(raw):
    """What in the file's own markup (not its text) could make a browser
    fetch: any element or attribute that loads, any URL in an attribute (the
    SVG namespace apart), url() or @import in a style sheet, and the policy
    that forbids the rest."""
    d = parse(raw)
    bad = injection_problems(d)
    for tag, attrs in d.elements:
        for k, v in attrs.items():
            if re.search(r"(https?|ftp|file|data|javascript):", v or "", re.I) and \
                    not (k == "xmlns" and v == "http://www.w3.org/2000/svg") and \
                    not (tag == "meta" and k == "content"):
                bad.append("a URL in %s=%r on <%s>" % (k, v, tag))
    style = "".join(d.style)
    for pat in (r"url\(", r"@import", r"https?:"):
        if re.search(pat, style, re.I):
            bad.append("the style sheet contains %s" % pat)
    csp = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; img-src data:\">")
    if csp not in raw:
        bad.append("no Content-Security-Policy meta")
    return bad, csp


class Probe(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        Probe.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    def log_message(self, *a):
        pass


def check_offline(html_path):
    raw = open(html_path, encoding="utf-8", errors="replace").read()
    bad, csp = static_references(raw)
    server = http.server.HTTPServer(("127.0.0.1", 0), Probe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    tmp = tempfile.mkdtemp(prefix="tp-offline-")

    def render(name, text):
        p = os.path.join(tmp, name)
        open(p, "w", encoding="utf-8").write(text)
        Probe.hits.clear()
        dump_dom(p)
        time.sleep(0.2)
        return list(Probe.hits)

    probe = "<body>\n<img src=\"http://127.0.0.1:%d/probe.gif\">" % port
    as_is = render("as_is.html", raw)
    blocked = render("probe_csp.html", raw.replace("<body>", probe, 1))
    control = render("probe_no_csp.html", raw.replace(csp, "").replace("<body>", probe, 1))
    server.shutdown()
    if as_is:
        bad.append("rendering the page fetched %r" % as_is)
    if blocked:
        bad.append("the Content-Security-Policy did not block a probe image: fetched %r" % blocked)
    if not control:
        bad.append("the control (the probe without the policy) fetched nothing: the check "
                   "cannot see a fetch")
    return bad


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def check_screenshot(html_path, png):
    bad = []
    size = "--window-size=%d,%d" % WINDOW
    r = chromium("--screenshot=" + png, size, "file://" + os.path.abspath(html_path))
    tmp = tempfile.mkdtemp(prefix="tp-blank-")
    blank_html, blank_png = os.path.join(tmp, "blank.html"), os.path.join(tmp, "blank.png")
    open(blank_html, "w").write("<!DOCTYPE html><html><body></body></html>")
    chromium("--screenshot=" + blank_png, size, "file://" + blank_html)
    if r.returncode != 0 or not os.path.exists(png):
        return ["chromium --screenshot failed (%d): %s" % (r.returncode, r.stderr[-2000:])]
    if png_size(png) != WINDOW:
        bad.append("the screenshot is %r, not a %dx%d PNG" % (png_size(png), *WINDOW))
    n, blank = os.path.getsize(png), os.path.getsize(blank_png)
    if n < 20000 or n < 5 * blank:
        bad.append("the screenshot (%d bytes) is hardly richer than a blank page's (%d)" % (n, blank))
    return bad


def check_text(html_path, s):
    d = parse(dump_dom(html_path))
    text = "".join(d.text)
    bad = injection_problems(d)
    if s not in text:
        bad.append("the page does not show %r as text" % s)
    return bad


def check_time(html_path, limit):
    t0 = time.time()
    d = parse(dump_dom(html_path))
    took = time.time() - t0
    print("rendered %s (%d bytes, %d elements) in %.2f s" %
          (html_path, os.path.getsize(html_path), len(d.elements), took))
    return [] if took <= limit else ["rendering took %.1f s, more than %s s" % (took, limit)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "dom":
        bad = check_dom(args[0], args[1], args[2:])
    elif cmd == "offline":
        bad = check_offline(args[0])
    elif cmd == "screenshot":
        bad = check_screenshot(args[0], args[1])
    elif cmd == "text":
        bad = check_text(args[0], args[1])
    elif cmd == "time":
        bad = check_time(args[0], float(args[1]))
    else:
        sys.exit(__doc__)
    for b in bad:
        print("report_check %s: %s" % (cmd, b), file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
