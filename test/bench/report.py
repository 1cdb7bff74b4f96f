#!/usr/bin/env python3
"""report.py - turn bench.py's results into OUT/report.md (Markdown tables,
the issue's targets met or missed), OUT/*.png (gnuplot) and the one-line
summary; soak results into OUT/soak.md and OUT/soak.png.
Also usable alone: report.py OUT/results.json [OUT] (or soak.json).
"""
import json
import os
import statistics
import subprocess
import sys

SERVERS = ("gitgate", "nginx", "go")


def mib(kib):
    return kib / 1024.0


def fmt(v, unit="", nd=1):
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and abs(v) >= 1000 and unit in ("",
                                                                   "/s"):
        return "%s%s" % (format(int(round(v)), ","), unit)
    return ("%." + str(nd) + "f%s") % (v, unit)


def ratio(a, b):
    return a / b if a and b else None


def tput(s, key):
    """Mean rps over the rounds of one throughput measurement."""
    runs = s.get(key) or []
    return statistics.mean(r["rps"] for r in runs) if runs else None


def first(s, key):
    runs = s.get(key) or []
    return runs[0] if runs else {}


def evmap(res):
    """(policy set, containers) -> eval result, Pod CREATE bodies only;
    of repeated points the fastest, with the fastest decide time."""
    out = {}
    for e in res["eval"]:
        if not e.get("body", "pod-").startswith("pod-"):
            continue
        k = (e["set"], e["containers"])
        if k not in out:
            out[k] = dict(e, runs=1)
            continue
        best = out[k]
        runs, dmin = best["runs"] + 1, min(best["decide_ns"], e["decide_ns"])
        if e["cpu_ns_per_review"] < best["cpu_ns_per_review"]:
            best = dict(e)
        best.update(runs=runs, decide_ns=dmin)
        out[k] = best
    return out


def targets(res):
    S = res["servers"]
    g, n, go = S["gitgate"], S["nginx"], S["go"]
    ev = evmap(res)
    out = []

    def add(name, measured, target, ok, note=""):
        out.append((name, measured, target, "met" if ok else "MISSED", note))

    rounds = [(a["rps"] / b["rps"], a["rps"] / c["rps"]) for a, b, c in
              zip(g["tput_9k"], n["tput_9k"], go["tput_9k"])]
    rn = [r[0] for r in rounds]
    rg = [r[1] for r in rounds]
    add("9 KB UPDATE throughput vs nginx (c32)",
        "%.2fx (rounds: %s)" % (statistics.mean(rn),
                                ", ".join("%.2f" % x for x in rn)),
        ">= 0.6x", statistics.mean(rn) >= 0.6)
    add("9 KB UPDATE throughput vs Go peer (c32)",
        "%.2fx (rounds: %s)" % (statistics.mean(rg),
                                ", ".join("%.2f" % x for x in rg)),
        ">= 2x", statistics.mean(rg) >= 2)
    e1 = ev.get(("shipped", 1), {})
    add("evaluation only, 3 KB Pod CREATE, 1 core",
        "%s reviews/s" % fmt(e1.get("reviews_per_s")), ">= 100,000/s",
        e1.get("reviews_per_s", 0) >= 100000)
    lin = linearity(res)
    add("evaluation linear in containers",
        lin["containers_text"], "marginal cost ratio 0.5-2",
        lin["containers_ok"])
    add("evaluation linear in policies",
        lin["policies_text"], "marginal cost ratio 0.5-2",
        lin["policies_ok"])
    r1, r10 = g["rate_1k"], g["rate_10k"]
    add("p99 at 1 000 reviews/s", "%.3f ms (service %.3f)" % (
        r1["latency_ms"]["p99"], r1["service_ms"]["p99"]), "<= 0.5 ms",
        r1["latency_ms"]["p99"] <= 0.5)
    add("p99.9 at 1 000 reviews/s", "%.3f ms (service %.3f)" % (
        r1["latency_ms"]["p99.9"], r1["service_ms"]["p99.9"]), "<= 1 ms",
        r1["latency_ms"]["p99.9"] <= 1.0)
    add("p99 at 10 000 reviews/s", "%.3f ms (service %.3f; achieved "
        "%.0f/s)" % (r10["latency_ms"]["p99"], r10["service_ms"]["p99"],
                     r10["achieved_rps"]), "<= 1.5 ms",
        r10["latency_ms"]["p99"] <= 1.5 and r10["achieved_rps"] > 9500)
    m1 = first(g, "tput_1m")
    big = [e for e in res["eval"] if e.get("body") == "big-1m.json"]
    add("1 MiB review, server CPU", "%.2f ms" % (
        m1.get("cpu_us_per_req", 0) / 1000), "<= 3 ms",
        m1.get("cpu_us_per_req", 1e9) <= 3000,
        "evaluation only: %.2f ms (decode %.2f ms)" % (
            big[0]["cpu_ns_per_review"] / 1e6, big[0]["decode_ns"] / 1e6)
        if big else "")
    add("RSS idle", "%.1f MiB" % mib(g["rss_idle_kib"]), "<= 8 MiB",
        g["rss_idle_kib"] <= 8 * 1024)
    add("RSS with 100 keep-alive connections", "%.1f MiB" % mib(
        g["rss_100conns_kib"]), "<= 16 MiB",
        g["rss_100conns_kib"] <= 16 * 1024)
    add("RSS peak with 16 concurrent 3 MiB reviews", "%.1f MiB" % mib(
        g["hwm_kib"]), "<= 64 MiB", g["hwm_kib"] <= 64 * 1024)
    hs = g["handshake"]
    add("new TLS connection, server CPU (ECDSA P-256)", "%.0f us" %
        hs["cpu_us_per_req"], "<= 350 us", hs["cpu_us_per_req"] <= 350,
        "incl. one 3 KB review")
    return out


def linearity(res):
    """Marginal cost per container (shipped set, whole review) and per
    policy (N ImagePolicies, 10 containers, eval_review time) between
    1->10 and 10->100; linear if the second is within 0.5-2x the first."""
    ev = evmap(res)
    out = {}
    for what, key, pts in (
            ("containers", "cpu_ns_per_review",
             [ev.get(("shipped", c)) for c in (1, 10, 100)]),
            ("policies", "decide_ns",
             [ev.get(("image-x%d" % p, 10)) for p in (1, 10, 100)])):
        if None in pts:
            out[what + "_ok"], out[what + "_text"] = False, "-"
            continue
        v = [e[key] for e in pts]
        a, b = (v[1] - v[0]) / 9, (v[2] - v[1]) / 90
        r = b / a if a > 0 else float("inf")
        out[what + "_ok"] = 0.5 <= r <= 2
        out[what + "_text"] = "%.2f us then %.2f us per %s (x%.2f)" % (
            a / 1e3, b / 1e3, "container" if what == "containers" else
            "policy (10 containers, decide only)", r)
    return out


def gnuplot(script, cwd):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd,
                       check=True, timeout=60, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    except (OSError, subprocess.SubprocessError) as e:
        print("report: gnuplot failed: %s" % e, file=sys.stderr)


def charts(res, out):
    S = res["servers"]
    rows = [("3KB Pod", "tput_3k"), ("9KB UPDATE", "tput_9k"),
            ("1MiB (c4)", "tput_1m"), ("3MiB (c16)", "tput_3m")]
    with open(os.path.join(out, "throughput.dat"), "w") as f:
        f.write("# body gitgate nginx go (reviews/s)\n")
        for label, key in rows:
            f.write('"%s" %s\n' % (label, " ".join(
                "%.1f" % (tput(S[s], key) or 0) for s in SERVERS)))
    with open(os.path.join(out, "latency.dat"), "w") as f:
        f.write("# point gitgate nginx go (ms, from intended send time)\n")
        for rk, rl in (("rate_1k", "1k/s"), ("rate_10k", "10k/s")):
            for p in ("p50", "p99", "p99.9"):
                f.write('"%s %s" %s\n' % (rl, p, " ".join(
                    "%.4f" % S[s][rk]["latency_ms"][p] for s in SERVERS)))
    with open(os.path.join(out, "eval.dat"), "w") as f:
        f.write("# containers shipped image-x1 image-x10 image-x100 (us)\n")
        ev = evmap(res)
        for c in (1, 10, 100):
            f.write("%d %s\n" % (c, " ".join(
                "%.2f" % (ev[(s, c)]["cpu_ns_per_review"] / 1e3)
                if (s, c) in ev else "NaN" for s in (
                    "shipped", "image-x1", "image-x10", "image-x100"))))
    common = """set terminal pngcairo size 900,500 font "sans,10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside bottom center horizontal
set grid ytics
"""
    gnuplot(common + """set output "throughput.png"
set title "Throughput, TLS 1.3 keep-alive, wrk -t2 -c32 (1 MiB: c4, 3 MiB: c16)"
set ylabel "reviews/s (log)"
set logscale y
plot "throughput.dat" using 2:xtic(1) title "gitgate", "" using 3 title "nginx (canned, transport limit)", "" using 4 title "Go net/http peer"
""", out)
    gnuplot(common + """set output "latency.png"
set title "Latency at fixed rates, 9 KB UPDATE, 32 connections, open loop (from intended send time)"
set ylabel "ms (log)"
set logscale y
plot "latency.dat" using 2:xtic(1) title "gitgate", "" using 3 title "nginx", "" using 4 title "Go peer"
""", out)
    gnuplot("""set terminal pngcairo size 900,500 font "sans,10"
set output "eval.png"
set title "Evaluation only (decode + decide + encode), 1 core, Pod CREATE"
set xlabel "containers"
set ylabel "us per review"
set logscale xy
set key top left
set grid
plot for [i=2:5] "eval.dat" using 1:i with linespoints lw 2 title columnhead(i)
""".replace("columnhead(i)", 'word("shipped-set 1-ImagePolicy '
            '10-ImagePolicies 100-ImagePolicies", i-1)'), out)


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(x) for x in r) + " |")
    return "\n".join(lines)


def server_rows(res):
    S = res["servers"]
    rows = []

    def row(label, get, unit="", nd=1, ratios=True):
        vals = []
        for s in SERVERS:
            try:
                vals.append(get(S[s]))
            except (KeyError, IndexError, TypeError):
                vals.append(None)
        r = [label] + [fmt(v, unit, nd) for v in vals]
        if ratios:
            r += [fmt(ratio(vals[0], vals[1]), "x", 2),
                  fmt(ratio(vals[0], vals[2]), "x", 2)]
        else:
            r += ["", ""]
        rows.append(r)

    for i in range(len(S["gitgate"].get("tput_9k", []))):
        row("throughput 9 KB UPDATE, c32, round %d (reviews/s)" % (i + 1),
            lambda s, i=i: s["tput_9k"][i]["rps"])
    row("throughput 3 KB Pod CREATE, c32", lambda s: tput(s, "tput_3k"))
    row("throughput 1 MiB, c4", lambda s: tput(s, "tput_1m"))
    row("throughput 3 MiB, c16", lambda s: tput(s, "tput_3m"))
    row("server CPU us/review, 9 KB, saturated",
        lambda s: statistics.mean(r["cpu_us_per_req"]
                                  for r in s["tput_9k"]))
    row("server CPU us/review, 3 KB, saturated",
        lambda s: first(s, "tput_3k")["cpu_us_per_req"])
    row("server CPU us/review, 9 KB at 1 000/s",
        lambda s: s["rate_1k"]["cpu_us_per_req"])
    row("server CPU us/review, 9 KB at 10 000/s",
        lambda s: s["rate_10k"]["cpu_us_per_req"])
    row("server CPU ms/review, 1 MiB",
        lambda s: first(s, "tput_1m")["cpu_us_per_req"] / 1000, nd=2)
    row("server CPU ms/review, 3 MiB",
        lambda s: first(s, "tput_3m")["cpu_us_per_req"] / 1000, nd=2)
    for rk, rl in (("rate_1k", "1 000/s"), ("rate_10k", "10 000/s")):
        row("achieved rate at %s" % rl,
            lambda s, rk=rk: s[rk]["achieved_rps"], ratios=False)
        for p in ("p50", "p99", "p99.9"):
            row("latency %s at %s (ms, from intended time)" % (p, rl),
                lambda s, rk=rk, p=p: s[rk]["latency_ms"][p], nd=3)
        row("service time p99 at %s (ms, from actual send)" % rl,
            lambda s, rk=rk: s[rk]["service_ms"]["p99"], nd=3)
        row("load generator lag p99 at %s (ms)" % rl,
            lambda s, rk=rk: s[rk]["pacer_lag_ms"]["p99"], nd=3,
            ratios=False)
    row("wrk latency p50 / c32 saturated, 9 KB (ms)",
        lambda s: s["tput_9k"][0]["latency_ms"]["p50"], nd=2)
    row("wrk latency p99 / c32 saturated, 9 KB (ms)",
        lambda s: s["tput_9k"][0]["latency_ms"]["p99"], nd=2)
    row("RSS idle, fresh (MiB)", lambda s: mib(s["rss_idle_kib"]))
    row("RSS, 100 idle keep-alive connections (MiB)",
        lambda s: mib(s["rss_100conns_kib"]))
    row("RSS under load, 9 KB c32, max sampled (MiB)",
        lambda s: mib(max(r["rss_max_kib"] for r in s["tput_9k"])))
    row("VmHWM before the 3 MiB run (MiB)",
        lambda s: mib(s["hwm_before_3m_kib"]))
    row("VmHWM peak, 16 concurrent 3 MiB reviews (MiB)",
        lambda s: mib(s["hwm_kib"]))
    row("RSS idle after all runs (MiB)", lambda s: mib(s["rss_after_kib"]))
    row("new TLS connection per review (conn/s, server on 1 CPU)",
        lambda s: s["handshake"]["rps"])
    row("server CPU us per new connection + 3 KB review",
        lambda s: s["handshake"]["cpu_us_per_req"])
    return rows


def write(res, out):
    charts(res, out)
    S, m = res["servers"], res["machine"]
    tg = targets(res)
    met = sum(1 for t in tg if t[3] == "met")
    g9 = ["%s %s%s" % (k[5:], r["thread_cpu_s"], " IMBALANCED" if len(
        r["thread_cpu_s"]) < 2 or min(r["thread_cpu_s"][:2]) <
        0.5 * max(r["thread_cpu_s"]) else "")
          for k in ("tput_9k", "tput_3k", "tput_1m", "tput_3m")
          for r in S["gitgate"].get(k, [])]
    bg = [r["background_cpu_pct"] for s in SERVERS for k in
          ("tput_9k", "tput_3k") for r in S[s].get(k, [])]
    md = ["# gitgate benchmark", "",
          "%s; %s x %d CPUs, kernel %s; %s; nginx %s; %s; wrk %s; "
          "load average at start %s; background CPU (other processes) "
          "during the throughput runs %.0f-%.0f%% of the machine." % (
              m["date"], m["cpu"], m["cpus"], m["kernel"], m["gitgate"],
              m["nginx"], m["go"], m["wrk"], " ".join(m["loadavg"]),
              min(bg), max(bg)), "",
          "Same ECDSA P-256 certificate, TLS 1.3, keep-alive, loopback. "
          "Throughput: wrk -t2 -c32 sharing the 2 CPUs with the server; "
          "the 9 KB rounds are 10 s per server taken as 5 x 2 s slices in "
          "turn (gitgate, nginx, Go, gitgate...) so that background load "
          "hits the three alike (latency: median of the slices). "
          "Fixed rates: test/bench/loadgen, open loop, 32 connections, "
          "latency from the intended send time (coordinated omission "
          "corrected; the service time from the actual send is shown "
          "too); 3 slices per server in turn (5 s at 1 000/s, 3 s at "
          "10 000/s), each percentile the median of the slices; before "
          "each slice the bench waits until no server uses CPU (an "
          "overloaded server works off its backlog after its turn); the "
          "fixed-rate phases run before the saturating ones (after minutes "
          "of saturation this VM runs every server ~30% slower per "
          "request). Handshakes: `Connection: close`, server pinned to CPU 0, "
          "wrk -t1 -c8 to CPU 1. gitgate runs its defaults (threads = "
          "CPUs, info log to /dev/null: one decision line per review); "
          "nginx returns a canned answer without parsing; the Go peer "
          "implements the same checks, no per-review log.", "",
          "![throughput](throughput.png) ![latency](latency.png)", "",
          "## Side by side", "",
          table(["measure", "gitgate", "nginx", "Go peer", "gitgate/nginx",
                 "gitgate/Go"], server_rows(res)), "",
          "gitgate per-thread CPU seconds in the throughput runs: %s "
          "(the accept thread spreads connections over the workers: the "
          "two numbers should be close)." % "; ".join(g9), "",
          "## Targets (issue 5): %d of %d met" % (met, len(tg)), "",
          table(["target", "measured", "goal", "status", "note"], tg), "",
          "## Evaluation only (bench_eval, 1 core, no transport)", "",
          "decode = review_decode + review_free (json_parse: strict parse "
          "into the review's blocks, and field extraction), decide = "
          "eval_review, encode = verdict_render + review_encode; the total "
          "is admission_handle() with flags 0. `shipped+log` is the same "
          "with ADMISSION_OBSERVE (log line to /dev/null + metrics). cJSON "
          "= cJSON_ParseWithLength + cJSON_Delete of the same body with "
          "glibc malloc, for comparison (not on the request path).", "",
          table(["policy set", "body", "policies", "containers",
                 "body bytes",
                 "reviews/s", "us/review", "decode us", "cJSON parse us",
                 "decide us", "encode us", "allocations"],
                [[e["set"], e.get("body", ""), e["policies"],
                  e["containers"],
                  format(e["body_bytes"], ","),
                  format(int(e["reviews_per_s"]), ","),
                  "%.1f" % (e["cpu_ns_per_review"] / 1e3),
                  "%.1f" % (e["decode_ns"] / 1e3),
                  "%.1f" % (e.get("cjson_parse_ns", 0) / 1e3),
                  "%.1f" % (e["decide_ns"] / 1e3),
                  "%.1f" % (e["encode_ns"] / 1e3), e["allocs"]]
                 for e in list(evmap(res).values()) + [
                     e for e in res["eval"] if not e.get(
                         "body", "pod-").startswith("pod-")]]), "",
          "Policy-scaling points (10 containers) and the shipped 1-container "
          "point are the fastest of 3 interleaved runs (noise only adds "
          "time).", "",
          "![evaluation scaling](eval.png)", "",
          "Raw numbers: results.json. Total bench time %.0f s." % res.get(
              "elapsed_s", 0), ""]
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md))
    g, n, go = S["gitgate"], S["nginx"], S["go"]
    e1 = evmap(res).get(("shipped", 1), {})
    g9r, n9r, go9r = tput(g, "tput_9k"), tput(n, "tput_9k"), \
        tput(go, "tput_9k")
    return ("bench: gitgate %.1fk rps on the 9 KB UPDATE (%.2fx nginx %.1fk, "
            "%.2fx Go %.1fk); eval %.0fk/s/core on the 3 KB Pod; p99 %.2f ms "
            "at 1k/s, %.2f ms at 10k/s; 1 MiB %.1f ms CPU; RSS %.1f/%.1f/%.1f "
            "MiB; handshake %.0f us; targets met %d/%d; %s/report.md" % (
                g9r / 1e3, g9r / n9r, n9r / 1e3, g9r / go9r, go9r / 1e3,
                e1.get("reviews_per_s", 0) / 1e3,
                g["rate_1k"]["latency_ms"]["p99"],
                g["rate_10k"]["latency_ms"]["p99"],
                first(g, "tput_1m").get("cpu_us_per_req", 0) / 1e3,
                mib(g["rss_idle_kib"]), mib(g["rss_100conns_kib"]),
                mib(g["hwm_kib"]), g["handshake"]["cpu_us_per_req"], met,
                len(tg), out))


def soak_eval(res):
    """RSS growth after warm-up (the first 10% of the reviews): the median
    of the first fifth of the later samples against the median of the last
    fifth (medians, so one 1 MiB review in flight does not decide), and
    the least-squares trend."""
    s = [x for x in res["samples"] if x[1] > 0]
    warm = [x for x in s if x[1] >= res["target"] * 0.1]
    if len(warm) < 5:
        return None
    k = max(1, len(warm) // 5)
    base = statistics.median(x[2] for x in warm[:k])
    last = statistics.median(x[2] for x in warm[-k:])
    peak = max(x[2] for x in warm)
    xs, ys = [x[1] for x in warm], [x[2] for x in warm]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den * 1e5
    return {"base_kib": base, "last_kib": last, "peak_kib": peak,
            "growth_kib": last - base, "slope_kib_per_100k": slope}


def write_soak(res, out):
    with open(os.path.join(out, "soak.dat"), "w") as f:
        f.write("# seconds reviews rss_kib\n")
        for t, n, r in res["samples"]:
            f.write("%s %d %d\n" % (t, n, r))
    gnuplot("""set terminal pngcairo size 900,450 font "sans,10"
set output "soak.png"
set title "gitgate soak: RSS while serving %d keep-alive reviews"
set xlabel "reviews served"
set ylabel "VmRSS (MiB)"
set grid
set yrange [0:*]
plot "soak.dat" using 2:($3/1024) with lines lw 2 title "VmRSS"
""" % res["target"], out)
    g = soak_eval(res) or {}
    ok = (res.get("errors", 1) == 0 and res.get("ok", 0) >= res["target"]
          and g.get("growth_kib", 1e9) <= 1024)
    md = ["# gitgate soak", "",
          "%s; %s; %s." % (res["machine"]["date"],
                                   res["machine"]["cpu"],
                                   res["machine"]["gitgate"]), "",
          "test/bench/loadgen -mode closed, 32 keep-alive TLS 1.3 "
          "connections, bodies in turn: 3 KB Pod CREATE (allowed), 9 KB "
          "Deployment UPDATE (allowed), 3.5 KB person's CREATE of "
          "nginx:latest (denied), and a 1 MiB CREATE every 3 001 reviews; "
          "every answer checked (HTTP 200, the request's uid, the expected "
          "allowed). VmRSS sampled every second.", "",
          table(["measure", "value"], [
              ["reviews answered correctly", format(res.get("ok", 0), ",")],
              ["errors", "%s %s" % (res.get("errors"),
                                    res.get("error_kinds") or "")],
              ["duration", "%.1f s (%.0f reviews/s)" % (
                  res.get("seconds", 0), res.get("rps", 0))],
              ["server CPU", "%.1f s (%.1f us/review)" % (
                  res["server_cpu_s"], 1e6 * res["server_cpu_s"] /
                  max(res.get("requests", 1), 1))],
              ["RSS idle before", "%.1f MiB" % mib(res["rss_idle_kib"])],
              ["RSS after warm-up (10%), median of the next fifth",
               "%.1f MiB" % mib(
                  g.get("base_kib", 0))],
              ["RSS at the end, median of the last fifth",
               "%.1f MiB" % mib(g.get("last_kib", 0))],
              ["RSS growth after warm-up (goal: flat, <= 1 MiB)",
               "%+d KiB" % g.get(
                  "growth_kib", 0)],
              ["RSS trend after warm-up", "%+.1f KiB per 100k reviews" %
               g.get("slope_kib_per_100k", 0)],
              ["RSS max after warm-up / VmHWM", "%.1f / %.1f MiB" % (
                  mib(g.get("peak_kib", 0)), mib(res["hwm_kib"]))],
              ["verdict", "PASS" if ok else "FAIL"]]), "",
          "![soak](soak.png)", ""]
    with open(os.path.join(out, "soak.md"), "w") as f:
        f.write("\n".join(md))
    return ("soak: %s: %s reviews, %s errors, %.0f rps, RSS %.1f -> %.1f MiB "
            "after warm-up (%+d KiB, %+.1f KiB/100k); %s/soak.md" % (
                "PASS" if ok else "FAIL", format(res.get("ok", 0), ","),
                res.get("errors"), res.get("rps", 0),
                mib(g.get("base_kib", 0)), mib(g.get("last_kib", 0)),
                g.get("growth_kib", 0), g.get("slope_kib_per_100k", 0), out))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(path)
    with open(path) as f:
        r = json.load(f)
    print(write_soak(r, out) if "samples" in r else write(r, out))
