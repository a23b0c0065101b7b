#!/usr/bin/env python3
"""scripts/bench_stats.py: the statistics of scripts/bench-e2e (Python 3, standard library only).

Reads the runs bench-e2e saved in a results directory (per scan size N and run r: N-r.json, the
scan's JSON document on stdout; N-r.stderr, its stderr with the PIPELINE TIMING BREAKDOWN; N-r.wall,
the process wall time in ms; N-r.rc, the exit code) and prints, per N: median process wall time,
median meta.timings.total_ms, ms per symbol, the modelled lower bound, their ratio, requests per
endpoint, 429s, and the breakdown of the median run; then a markdown table for docs/performance.md.

It can be re-run on a saved directory:
    scripts/bench_stats.py target/bench-e2e/20261120-120000 --sizes "50 100 500" --runs 5

The lower-bound formula lives in ONE place: lower_bound_ms() below (docs/performance.md states the
same formula).
"""

import argparse
import json
import math
import os
import statistics
import sys

# ---------------------------------------------------------------------------------------------------
# THE MODELLED LOWER BOUND (the `seed` latency profile of shared/spec/emulator.md)
#
#   LB = max( path, prices_quotes, rate_floor )
#   path = t_token + t_metrics + max(t_candles, t_chains_quotes)
#
#   t_token         = 150 ms                       POST /oauth/token (the quote token, 150 ms, and the
#                                                  DXLink connect, 250 ms, overlap the metrics call)
#   t_metrics       = 650 + 0.3 * min(N, chunk)    GET /market-metrics, chunk = 100 symbols per
#                                                  request, the chunks in flight concurrently
#   t_candles       = (250 + 1 * H) * ceil(C / 160), 0 when C = 0
#                                                  DXLink snapshots FETCHED (C = candle subscriptions;
#                                                  cached histories cost nothing): 250 ms + 1 ms per
#                                                  candle, H candles per 400-calendar-day history
#                                                  (about 276 sessions), 160 in flight at once =
#                                                  4 connections x 10 channels x 4 snapshots per channel
#   t_chains_quotes = t_chain + wait(Q) + t_quote when Q > 0 chains are FETCHED, else 0
#                                                  t_chain = 340 ms (400 ms when a futures option chain
#                                                  is among them, F > 0);
#                                                  one wave of option chains, then the ATM quotes of the
#                                                  chosen expiration: t_quote = the faster of the two
#                                                  ways the service offers, min(450 ms REST
#                                                  GET /market-data/by-type, 250 + 1 = 251 ms a DXLink
#                                                  Quote subscription) = 251 ms
#   wait(Q)         = max(0, Q - B) / 20 s         the rate limit after the prefilter: B = the token
#                                                  bucket then, min(40, 40 - P + 20/s * (t_token +
#                                                  t_metrics)), P = the paced requests before the
#                                                  chains (R - 1 - Q); the chains beyond B leave at 20/s
#   prices_quotes   = t_token + 450 + t_quote      when some chains come from the cache (S_q > Q): a
#                     (else 0)                     stored chain picks its ATM pair as soon as by-type
#                                                  prices arrive, so its quotes overlap the metrics call
#   rate_floor      = 150 + (R - 1 - 40) / 20 s + last   when R - 1 > 40, else 0
#                                                  R REST requests, all but the token request through
#                                                  the 20/s token bucket with a burst of 40: the last
#                                                  request cannot leave before the bucket lets the
#                                                  (R - 1 - 40)-th request beyond the burst go; last =
#                                                  t_chain + t_quote when chains are fetched, else a
#                                                  by-type price (450) and, with stored chains, t_quote
#
# A cold scan fetches everything (C = S_c, Q = chains fetched); a warm one (the day's second scan)
# takes candles and chain structure from the cache (C = Q = 0): its bound is the metrics call.
#
# From the run itself: N = meta.symbols_requested; S_c = items_in of the `candles` stage; S_q =
# items_out of the `chains` stage (chains had, fetched or stored; else of `quotes`); Q = requests of
# the `chains` stage; F = `/futures-option-chains` requests; C = `dxlink subscriptions`; R = meta.timings.requests.requests; H = dxlink
# candles / dxlink subscriptions when the run reports them, else 276.
# ---------------------------------------------------------------------------------------------------
T_TOKEN_MS = 150.0
T_METRICS_MS, T_METRICS_PER_SYMBOL_MS, METRICS_CHUNK = 650.0, 0.3, 100
T_SNAPSHOT_MS, T_PER_CANDLE_MS, SNAPSHOTS_IN_FLIGHT = 250.0, 1.0, 4 * 10 * 4
T_CHAIN_MS, T_FUTURES_CHAIN_MS = 340.0, 400.0
T_QUOTES_REST_MS, T_QUOTES_DXLINK_MS = 450.0, T_SNAPSHOT_MS + T_PER_CANDLE_MS * 1
T_QUOTES_MS = min(T_QUOTES_REST_MS, T_QUOTES_DXLINK_MS)
RATE_PER_SEC, RATE_BURST = 20.0, 40.0
DEFAULT_H = 276.0


def lower_bound_ms(n, s_c, s_q, r, h=DEFAULT_H, c=None, q=None, futures_chains=0):
    """The modelled lower bound of a scan of n symbols, in ms, with its parts (see the block above).

    c (candle snapshots fetched) and q (chain requests) default to s_c and s_q: everything fetched.
    """
    c = s_c if c is None else c
    q = s_q if q is None else q
    t_metrics = T_METRICS_MS + T_METRICS_PER_SYMBOL_MS * min(n, METRICS_CHUNK)
    t_candles = (T_SNAPSHOT_MS + T_PER_CANDLE_MS * h) * math.ceil(c / SNAPSHOTS_IN_FLIGHT) if c > 0 else 0.0
    paced = r - 1  # the token request is not rate-limited
    before = max(0, paced - q)
    bucket = min(RATE_BURST, RATE_BURST - before + RATE_PER_SEC * (T_TOKEN_MS + t_metrics) / 1000.0)
    wait = max(0.0, q - max(bucket, 0.0)) / RATE_PER_SEC * 1000.0
    t_chain = T_FUTURES_CHAIN_MS if futures_chains > 0 else T_CHAIN_MS
    t_chains_quotes = t_chain + wait + T_QUOTES_MS if q > 0 else 0.0
    path = T_TOKEN_MS + t_metrics + max(t_candles, t_chains_quotes)
    prices_quotes = T_TOKEN_MS + T_QUOTES_REST_MS + T_QUOTES_MS if s_q > q else 0.0
    # The last paced request: a chain and its quotes, or (nothing fetched) a by-type price and the
    # quotes of a stored chain.
    last = t_chain + T_QUOTES_MS if q > 0 else T_QUOTES_REST_MS + (T_QUOTES_MS if s_q > 0 else 0.0)
    rate_floor = (
        T_TOKEN_MS + (paced - RATE_BURST) / RATE_PER_SEC * 1000.0 + last
        if paced > RATE_BURST
        else 0.0
    )
    return max(path, prices_quotes, rate_floor), {
        "t_token": T_TOKEN_MS,
        "t_metrics": t_metrics,
        "t_candles": t_candles,
        "wait": wait,
        "t_chains_quotes": t_chains_quotes,
        "path": path,
        "prices_quotes": prices_quotes,
        "rate_floor": rate_floor,
    }


# ---------------------------------------------------------------------------------------------------


def stage(doc, name):
    for st in doc["meta"]["timings"]["stages"]:
        if st["name"] == name:
            return st
    return None


def run_counts(doc):
    """(N, S_c, S_q, R, H, H_source, C, Q, F) of one run's JSON document."""
    meta = doc["meta"]
    n = meta["symbols_requested"]
    candles = stage(doc, "candles")
    s_c = candles["items_in"] if candles else 0
    chains = stage(doc, "chains") or stage(doc, "quotes")
    s_q = chains["items_out"] if chains else 0
    rq = meta["timings"]["requests"]
    per = rq.get("per_endpoint", {})
    h, h_source = DEFAULT_H, "default"
    if per.get("dxlink candles") and per.get("dxlink subscriptions"):
        h, h_source = per["dxlink candles"] / per["dxlink subscriptions"], "run"
    c = per.get("dxlink subscriptions", s_c)
    q = chains["requests"] if chains and stage(doc, "chains") else s_q
    f = sum(v for k, v in per.items() if k.startswith("/futures-option-chains"))
    return n, s_c, s_q, rq["requests"], h, h_source, c, q, f


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def breakdown_of(stderr_text):
    """The PIPELINE TIMING BREAKDOWN block of a run's stderr (everything from its title on)."""
    at = stderr_text.find("PIPELINE TIMING BREAKDOWN")
    return stderr_text[at:].rstrip("\n") if at >= 0 else "(no breakdown on stderr)"


def fmt_ms(v):
    return f"{v:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="results directory written by scripts/bench-e2e")
    ap.add_argument("--sizes", default="50 100 500", help='scan sizes, e.g. "50 100 500"')
    ap.add_argument("--runs", type=int, default=5, help="runs per size")
    ap.add_argument("--target-ratio", type=float, default=1.3,
                    help="the target: median wall time at most this multiple of the lower bound")
    ap.add_argument("--command", default="", help="the exact command, for the table's caption")
    ap.add_argument("--each-run", default="", help="the command of each run, for the caption")
    ap.add_argument("--date", default="", help="the date, for the table's caption")
    ap.add_argument("--machine", default="", help="cores and CPU, for the caption")
    ap.add_argument("--commit", default="", help="the commit measured, for the caption")
    ap.add_argument("--warm", default="1", help="1: warm runs were made too (files N-warmR.*)")
    args = ap.parse_args()

    sizes = [int(s) for s in args.sizes.split()]
    rows = []
    failures = 0
    kinds = ["cold", "warm"] if args.warm == "1" else ["cold"]
    for n, kind in [(n, k) for n in sizes for k in kinds]:
        runs = []
        for r in range(1, args.runs + 1):
            base = os.path.join(args.dir, f"{n}-{kind}{r}")
            if not os.path.exists(base + ".wall"):
                continue
            rss = None
            if os.path.exists(base + ".rss"):
                try:
                    rss = int(read(base + ".rss").strip().splitlines()[-1]) / 1024.0
                except (ValueError, IndexError):
                    rss = None
            rc = int(read(base + ".rc").strip() or "0") if os.path.exists(base + ".rc") else 0
            wall = float(read(base + ".wall").strip())
            stderr_text = read(base + ".stderr") if os.path.exists(base + ".stderr") else ""
            try:
                doc = json.loads(read(base + ".json"))
            except (OSError, ValueError) as e:
                print(f"N={n} run {r}: no valid JSON ({e}); exit code {rc}", file=sys.stderr)
                failures += 1
                continue
            if rc != 0 or not doc["meta"].get("complete", True):
                failures += 1
                print(f"N={n} run {r}: exit code {rc}, complete={doc['meta'].get('complete')}: "
                      f"{doc['meta'].get('incomplete_reason')}", file=sys.stderr)
            runs.append({"r": r, "wall": wall, "doc": doc, "stderr": stderr_text, "rc": rc, "rss": rss})
        if not runs:
            print(f"\n## N = {n} {kind}: no usable runs", file=sys.stderr)
            continue

        walls = [x["wall"] for x in runs]
        totals = [x["doc"]["meta"]["timings"]["total_ms"] for x in runs]
        median_wall = statistics.median(walls)
        median_total = statistics.median(totals)
        # The median run: the run whose wall time is the median (the lower middle for an even count).
        by_wall = sorted(runs, key=lambda x: x["wall"])
        med = by_wall[(len(by_wall) - 1) // 2]
        doc = med["doc"]
        n_req, s_c, s_q, r_req, h, h_source, c_req, q_req, f_req = run_counts(doc)
        lb, parts = lower_bound_ms(n_req, s_c, s_q, r_req, h, c_req, q_req, f_req)
        rq = doc["meta"]["timings"]["requests"]
        rate_limited_all = [x["doc"]["meta"]["timings"]["requests"]["rate_limited"] for x in runs]
        requests_all = [x["doc"]["meta"]["timings"]["requests"]["requests"] for x in runs]
        ratio = median_wall / lb if lb > 0 else float("nan")
        counts = doc["meta"]["counts"]

        rss_all = [x["rss"] for x in runs if x["rss"] is not None]
        peak_rss = max(rss_all) if rss_all else None
        print(f"\n## N = {n}, {kind}  ({len(runs)} runs; median run = run {med['r']})")
        print(f"  wall time (process)      median {fmt_ms(median_wall)} ms · min {fmt_ms(min(walls))} · "
              f"max {fmt_ms(max(walls))} · runs {', '.join(fmt_ms(w) for w in walls)}")
        print(f"  meta.timings.total_ms    median {fmt_ms(median_total)} ms · min {fmt_ms(min(totals))} · "
              f"max {fmt_ms(max(totals))}")
        print(f"  ms per symbol            {median_wall / n:.2f} (wall) · {median_total / n:.2f} (total_ms)")
        print(f"  lower bound              {fmt_ms(lb)} ms = max(path {fmt_ms(parts['path'])}, prices+quotes "
              f"{fmt_ms(parts['prices_quotes'])}, rate floor {fmt_ms(parts['rate_floor'])}); path = token "
              f"{fmt_ms(parts['t_token'])} + metrics {fmt_ms(parts['t_metrics'])} + max(candles "
              f"{fmt_ms(parts['t_candles'])}, chains+quotes {fmt_ms(parts['t_chains_quotes'])} incl. rate "
              f"wait {fmt_ms(parts['wait'])})")
        print(f"                           from N={n_req}, S_c={s_c}, S_q={s_q}, C={c_req}, Q={q_req}, "
              f"R={r_req}, H={h:.1f} ({h_source})")
        print(f"  ratio wall / bound       {ratio:.2f}  (total_ms / bound {median_total / lb:.2f})")
        if peak_rss is not None:
            print(f"  peak RSS                 {peak_rss:,.0f} MiB (the largest of the runs; demo market in process)")
        print(f"  result                   candidates {counts['candidates']} · rejected {counts['rejected']} · "
              f"errors {counts['errors']}")
        pct = 100.0 * rq["rate_limited"] / rq["requests"] if rq["requests"] else 0.0
        print(f"  requests                 {rq['requests']} REST · retries {rq['retries']} · 429s "
              f"{rq['rate_limited']} ({pct:.1f}% of requests) · 429s over all runs "
              f"{sum(rate_limited_all)} of {sum(requests_all)} requests")
        print("  requests per endpoint (median run)")
        for k, v in rq.get("per_endpoint", {}).items():
            print(f"    {k:<38} {v:>5}")
        median_stderr = os.path.join(args.dir, "%d-%s%d.stderr" % (n, kind, med["r"]))
        print(f"  breakdown of the median run ({median_stderr})")
        for line in breakdown_of(med["stderr"]).splitlines():
            print(f"    {line}")
        rows.append({
            "n": n, "kind": kind, "rss": peak_rss, "median": median_wall, "total": median_total, "lb": lb, "ratio": ratio,
            "requests": rq["requests"], "429": rq["rate_limited"], "pct429": pct,
        })

    print("\n## Markdown table (for docs/performance.md)\n")
    print("End-to-end, demo market at latency `seed`, `--as-of 2026-11-20`; cold: a fresh cache "
          "directory (the day's first scan), warm: the cache of a cold run (a second scan of the day).")
    for label, value in (("Date", args.date), ("Command", args.command), ("Each run", args.each_run),
                         ("Machine", args.machine), ("Commit", args.commit)):
        if value:
            print(f"- {label}: `{value}`" if label in ("Command", "Each run") else f"- {label}: {value}")
    print(f"- median ms: the process wall time, median of {args.runs} runs (meta.timings.total_ms in "
          f"parentheses); lower bound, requests and 429s: the median run's; target: median ≤ "
          f"{args.target_ratio:g}× the lower bound.\n")
    print("| N | scan | median ms | ms/symbol | lower bound ms | ratio | requests | 429s | peak RSS | target |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for x in rows:
        rss = f"{x['rss']:,.0f} MiB" if x["rss"] is not None else "?"
        # One bound for both kinds: it counts what the run fetched (a warm run fetches no
        # candles and no chains).
        ok = "met" if x["ratio"] <= args.target_ratio else "missed"
        target = f"≤ {args.target_ratio:g}× bound ({x['lb'] * args.target_ratio:,.0f} ms): {ok}"
        bound, ratio = f"{x['lb']:,.0f}", f"{x['ratio']:.2f}"
        print(f"| {x['n']} | {x['kind']} | {x['median']:,.0f} ({x['total']:,.0f}) | "
              f"{x['median'] / x['n']:.1f} | {bound} | {ratio} | {x['requests']} | "
              f"{x['429']} ({x['pct429']:.1f}%) | {rss} | {target} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
