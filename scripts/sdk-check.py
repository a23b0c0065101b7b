#!/usr/bin/env python3
"""Drive `volscreen sim serve` with the official tastytrade Python SDK (tastyware/tastytrade).

Usage: sdk-check.py BASE_URL [--as-of YYYY-MM-DD] [--verbose]

The client code below is what one would write against the real service. The only change is the
base URL: the SDK reads it from the module constant `API_URL` (bound into `tastytrade.session` at
import time), so that constant is replaced before the Session is created. The DXLink URL is not
patched: the streamer takes it from the `dxlink-url` of GET /api-quote-tokens, as it does in
production. Run by scripts/sdk-check, which starts the server and installs the SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date, datetime, timedelta, timezone

import tastytrade
import tastytrade.session
from tastytrade import DXLinkStreamer, Session
from tastytrade.dxfeed import Candle
from tastytrade.market_data import get_market_data_by_type
from tastytrade.metrics import get_market_metrics
from tastytrade.watchlists import PrivateWatchlist, PublicWatchlist

DEMO_SECRET = "volscreen-demo"
DEMO_REFRESH = "volscreen-demo"
METRIC_SYMBOLS = ["AAPL", "SPY", "TSLA"]
CANDLE_SYMBOLS = ["AAPL", "SPY"]
BY_TYPE = {"equities": ["AAPL", "SPY"], "indices": ["SPX"], "futures": ["/ES"]}
PUBLIC_LIST = "Liquid ETFs"  # a name with a space: the SDK puts it in the path as is
PRIVATE_LIST = "My Watchlist"
SNAPSHOT_TIMEOUT_S = 60.0


def point_sdk_at(base_url: str) -> None:
    """The one patch: the SDK's production base URL constant."""
    tastytrade.API_URL = base_url
    tastytrade.session.API_URL = base_url


def utc_day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).date().isoformat()


class Snapshot:
    """Candle snapshot assembly per the dxFeed event-flag rules (per eventSymbol)."""

    def __init__(self) -> None:
        self.pending: list[Candle] = []
        self.candles: dict[int, Candle] = {}
        self.done = False
        self.snipped = False
        self.events = 0

    def feed(self, c: Candle) -> None:
        self.events += 1
        if c.snapshot_begin:
            self.pending = []
        self.pending.append(c)
        if (c.snapshot_end or c.snapshot_snip) and not c.pending:
            for e in self.pending:
                if e.remove:
                    self.candles.pop(e.index, None)
                else:
                    self.candles[e.index] = e
            self.pending = []
            self.snipped = c.snapshot_snip
            self.done = True


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("base_url")
    ap.add_argument("--as-of", default="2026-11-20")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.verbose:
        logging.basicConfig(stream=sys.stderr, level=logging.DEBUG,
                            format="  [sdk] %(name)s %(message)s")

    print(f"tastytrade SDK {tastytrade.VERSION} -> {args.base_url}")
    point_sdk_at(args.base_url)
    as_of = date.fromisoformat(args.as_of)

    async with Session(provider_secret=DEMO_SECRET, refresh_token=DEMO_REFRESH) as session:
        # (a) OAuth refresh-token flow
        await session.refresh()
        ttl = session.session_expiration - datetime.now().timestamp()
        print(f"(a) session: POST /oauth/token ok, bearer token of {len(session.session_token)} chars, "
              f"expires in ~{ttl:.0f}s")

        # (b) market metrics
        metrics = await get_market_metrics(session, METRIC_SYMBOLS)
        print(f"(b) GET /market-metrics: {len(metrics)} rows")
        print(f"    {'symbol':<6} {'IV index':>11} {'IV rank':>11} {'IV pctile':>11}  updated-at")
        for m in metrics:
            print(f"    {m.symbol:<6} {str(m.implied_volatility_index):>11} "
                  f"{str(m.implied_volatility_index_rank):>11} "
                  f"{str(m.implied_volatility_percentile):>11}  {m.updated_at.isoformat()}")
        missing = set(METRIC_SYMBOLS) - {m.symbol for m in metrics}
        if missing or any(m.implied_volatility_index is None for m in metrics):
            print(f"FAIL: metrics missing for {sorted(missing)} or without an IV index")
            return 1

        # (c) market data by type: the SDK validates every row (bid-size, ask-size, prev-close-date
        # and the price types are required fields of its MarketData model)
        quotes = await get_market_data_by_type(session, **BY_TYPE)
        print(f"(c) GET /market-data/by-type: {len(quotes)} rows")
        for q in quotes:
            print(f"    {q.symbol:<6} {q.instrument_type.value:<7} bid {q.bid} x {q.bid_size}  "
                  f"ask {q.ask} x {q.ask_size}  close {q.close}  prev-close {q.prev_close} "
                  f"({q.prev_close_date})")
        wanted_quotes = {s for v in BY_TYPE.values() for s in v}
        if {q.symbol for q in quotes} != wanted_quotes:
            print(f"FAIL: by-type rows for {sorted(q.symbol for q in quotes)}, "
                  f"wanted {sorted(wanted_quotes)}")
            return 1

        # (d) watchlists, private and public, all and one by name
        private = await PrivateWatchlist.get(session)
        public = await PublicWatchlist.get(session)
        mine = await PrivateWatchlist.get(session, PRIVATE_LIST)
        listed = await PublicWatchlist.get(session, PUBLIC_LIST)

        def describe(lists: list) -> str:
            return ", ".join(f"{w.name!r} ({len(w.watchlist_entries or [])})" for w in lists)

        print(f"(d) GET /watchlists: {describe(private)}")
        print(f"    GET /public-watchlists: {describe(public)}")
        print(f"    GET /watchlists/{PRIVATE_LIST}: {describe([mine])}; "
              f"GET /public-watchlists/{PUBLIC_LIST}: {describe([listed])}, first "
              f"{(listed.watchlist_entries or [{}])[0]}")
        if (not private or not public or mine.name != PRIVATE_LIST or listed.name != PUBLIC_LIST
                or not listed.watchlist_entries):
            print("FAIL: watchlists missing or empty")
            return 1

        # (e) quote token + DXLink candle history
        start = datetime.combine(as_of - timedelta(days=365), datetime.min.time(), tzinfo=timezone.utc)
        async with DXLinkStreamer(session) as streamer:
            print(f"(e) GET /api-quote-tokens: dxlink-url {streamer._wss_url}; DXLink AUTHORIZED")
            await streamer.subscribe_candle(CANDLE_SYMBOLS, "1d", start_time=start)
            print(f"    subscribed Candle {', '.join(s + '{=1d,tho=true}' for s in CANDLE_SYMBOLS)} "
                  f"fromTime {start.date().isoformat()}")
            snaps: dict[str, Snapshot] = {}
            wanted = {f"{s}{{=1d,tho=true}}" for s in CANDLE_SYMBOLS}

            async def collect() -> None:
                async for c in streamer.listen(Candle):
                    snaps.setdefault(c.event_symbol, Snapshot()).feed(c)
                    if all(k in snaps and snaps[k].done for k in wanted):
                        return

            try:
                await asyncio.wait_for(collect(), SNAPSHOT_TIMEOUT_S)
            except asyncio.TimeoutError:
                print(f"FAIL: candle snapshots incomplete after {SNAPSHOT_TIMEOUT_S:.0f}s: "
                      + ", ".join(f"{k}: {s.events} events, done={s.done}" for k, s in snaps.items()))
                return 1
            ok = True
            for sym in sorted(wanted):
                s = snaps[sym]
                rows = sorted(s.candles.values(), key=lambda c: c.time)
                if not rows:
                    print(f"    {sym}: empty history")
                    ok = False
                    continue
                bad = [c for c in rows if not (c.low <= min(c.open, c.close) and max(c.open, c.close) <= c.high)]
                print(f"    {sym}: {len(rows)} daily candles ({s.events} events{', SNIPPED' if s.snipped else ''}), "
                      f"first {utc_day(rows[0].time)}, last {utc_day(rows[-1].time)}, "
                      f"last close {rows[-1].close}, OHLC-inconsistent {len(bad)}")
                if bad or utc_day(rows[0].time) < start.date().isoformat():
                    ok = False
            if not ok:
                print("FAIL: candle history wrong")
                return 1
    print("sdk-check: PASS (session, market metrics, by-type quotes, watchlists, DXLink candles "
          "via the official Python SDK)")
    return 0


def leaves(e: BaseException) -> list[BaseException]:
    if isinstance(e, BaseExceptionGroup):
        return [x for sub in e.exceptions for x in leaves(sub)]
    return [e]


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except Exception as e:  # the SDK raises from inside task groups: report the root causes
        if "--verbose" in sys.argv:
            raise
        for leaf in leaves(e):
            print(f"FAIL: {type(leaf).__module__}.{type(leaf).__name__}: {str(leaf).strip()}")
        print("(run with SDK_CHECK_VERBOSE=1 for the SDK's debug log and the traceback)")
        sys.exit(1)
