// Drive `volscreen sim serve` with the official tastytrade JavaScript SDK (@tastytrade/api, which
// streams through dxFeed's @dxfeed/dxlink-api).
//
// Usage: node sdk-check.mjs BASE_URL [--as-of YYYY-MM-DD] [--verbose]
// (run from a folder whose node_modules holds @tastytrade/api and ws; scripts/sdk-check does that).
//
// This is the client one writes against the real service: the SDK takes the base URL as
// configuration (`baseUrl`, as in TastytradeClient.ProdConfig), so nothing in the SDK is patched.
// The DXLink URL comes from the `dxlink-url` of GET /api-quote-tokens, as in production. Node 20
// has no global WebSocket, so `ws` is installed as one, as the SDK's README says to do in Node.
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import TastytradeClient, { CandleType } from '@tastytrade/api'

globalThis.WebSocket = WebSocket

const DEMO_SECRET = 'volscreen-demo'
const DEMO_REFRESH = 'volscreen-demo'
const METRIC_SYMBOLS = ['AAPL', 'SPY', 'TSLA']
const CANDLE_SYMBOLS = ['AAPL', 'SPY']
const BY_TYPE = { equity: ['AAPL', 'SPY'], index: ['SPX'], future: ['/ES'] }
const PUBLIC_LIST = 'Liquid ETFs' // a name with a space: the SDK puts it in the path as is
const PRIVATE_LIST = 'My Watchlist'
const SNAPSHOT_TIMEOUT_MS = 60_000
const TX_PENDING = 0x01, REMOVE_EVENT = 0x02, SNAPSHOT_BEGIN = 0x04, SNAPSHOT_END = 0x08, SNAPSHOT_SNIP = 0x10

const args = process.argv.slice(2)
const baseUrl = args.find(a => !a.startsWith('--'))
const asOfArg = args.indexOf('--as-of')
const asOf = asOfArg >= 0 ? args[asOfArg + 1] : '2026-11-20'
const verbose = args.includes('--verbose')
if (!baseUrl) {
  console.error('usage: node sdk-check.mjs BASE_URL [--as-of YYYY-MM-DD] [--verbose]')
  process.exit(2)
}

const utcDay = ms => new Date(ms).toISOString().slice(0, 10)
const fail = msg => { console.log(`FAIL: ${msg}`); process.exit(1) }

const client = new TastytradeClient({
  ...TastytradeClient.ProdConfig,
  baseUrl,
  clientSecret: DEMO_SECRET,
  refreshToken: DEMO_REFRESH,
  oauthScopes: ['read'],
  ...(verbose ? { logLevel: 'info' } : {})
})
const version = name => {
  try {
    const dir = new URL('..', import.meta.resolve(name)) // <pkg>/dist/ or <pkg>/build/ -> <pkg>/
    return JSON.parse(readFileSync(new URL('package.json', dir))).version
  } catch { return '?' }
}
console.log(`@tastytrade/api ${version('@tastytrade/api')} (@dxfeed/dxlink-api ${version('@dxfeed/dxlink-api')}) -> ${baseUrl}`)

// (a) OAuth refresh-token flow
const token = await client.httpClient.generateAccessToken()
console.log(`(a) session: POST /oauth/token ok, bearer token of ${token.token.length} chars, expires in ${token.expiresIn}s`)

// (b) market metrics
const metrics = await client.marketMetricsService.getMarketMetrics({ symbols: METRIC_SYMBOLS.join(',') })
console.log(`(b) GET /market-metrics: ${metrics.length} rows`)
console.log(`    ${'symbol'.padEnd(6)} ${'IV index'.padStart(11)} ${'IV rank'.padStart(11)} ${'IV pctile'.padStart(11)}  updated-at`)
for (const m of metrics) {
  console.log(`    ${m.symbol.padEnd(6)} ${String(m['implied-volatility-index']).padStart(11)} ` +
    `${String(m['implied-volatility-index-rank']).padStart(11)} ` +
    `${String(m['implied-volatility-percentile']).padStart(11)}  ${m['updated-at']}`)
}
const missing = METRIC_SYMBOLS.filter(s => !metrics.some(m => m.symbol === s))
if (missing.length || metrics.some(m => m['implied-volatility-index'] == null)) {
  fail(`metrics missing for ${missing} or without an IV index`)
}

// (c) market data by type. @tastytrade/api 7.x has no service for it, so the call goes through the
// SDK's own HTTP client (auth, headers and its `equity[]=...` query encoding), as an SDK user does.
const byType = await client.httpClient.getData('/market-data/by-type', {}, BY_TYPE)
const quotes = byType.data?.data?.items ?? []
console.log(`(c) GET /market-data/by-type: ${quotes.length} rows`)
for (const q of quotes) {
  console.log(`    ${q.symbol.padEnd(6)} ${q['instrument-type'].padEnd(7)} bid ${q.bid} x ${q['bid-size']}  ` +
    `ask ${q.ask} x ${q['ask-size']}  close ${q.close}  prev-close ${q['prev-close']} (${q['prev-close-date']})`)
}
const wantedQuotes = Object.values(BY_TYPE).flat().sort()
const gotQuotes = quotes.map(q => q.symbol).sort()
if (JSON.stringify(gotQuotes) !== JSON.stringify(wantedQuotes) ||
    quotes.some(q => q['bid-size'] == null || q['ask-size'] == null || q['prev-close-date'] == null)) {
  fail(`by-type rows for ${gotQuotes}, wanted ${wantedQuotes}, each with bid-size, ask-size, prev-close-date`)
}

// (d) watchlists through the SDK's WatchlistsService, private and public, all and one by name
const describe = lists => lists.map(w => `'${w.name}' (${(w['watchlist-entries'] ?? []).length})`).join(', ')
const privateLists = await client.watchlistsService.getAllWatchlists()
const publicLists = await client.watchlistsService.getPublicWatchlists()
const mine = await client.watchlistsService.getSingleWatchlist(PRIVATE_LIST)
const listed = await client.watchlistsService.getPublicWatchlist(PUBLIC_LIST)
console.log(`(d) GET /watchlists: ${describe(privateLists)}`)
console.log(`    GET /public-watchlists: ${describe(publicLists)}`)
console.log(`    GET /watchlists/${PRIVATE_LIST}: ${describe([mine])}; GET /public-watchlists/${PUBLIC_LIST}: ` +
  `${describe([listed])}, first ${JSON.stringify((listed['watchlist-entries'] ?? [])[0])}`)
if (!privateLists.length || !publicLists.length || mine.name !== PRIVATE_LIST || listed.name !== PUBLIC_LIST ||
    !(listed['watchlist-entries'] ?? []).length) {
  fail('watchlists missing or empty')
}

// (e) quote token + DXLink candle history
const start = Date.parse(`${asOf}T00:00:00Z`) - 365 * 86400_000
const wanted = CANDLE_SYMBOLS.map(s => `${s}{=1d}`)
const snaps = {}
const complete = new Promise(resolve => {
  client.quoteStreamer.addEventListener(events => {
    for (const e of events) {
      if (e.eventType !== 'Candle') continue
      const s = (snaps[e.eventSymbol] ??= { pending: [], candles: new Map(), done: false, snipped: false, events: 0 })
      s.events++
      const flags = e.eventFlags ?? 0
      if (flags & SNAPSHOT_BEGIN) s.pending = []
      s.pending.push(e)
      if ((flags & (SNAPSHOT_END | SNAPSHOT_SNIP)) && !(flags & TX_PENDING)) {
        for (const p of s.pending) {
          if ((p.eventFlags ?? 0) & REMOVE_EVENT) s.candles.delete(p.index)
          else s.candles.set(p.index, p)
        }
        s.pending = []
        s.snipped = Boolean(flags & SNAPSHOT_SNIP)
        s.done = true
      }
    }
    if (wanted.every(k => snaps[k]?.done)) resolve()
  })
})
await client.quoteStreamer.connect()
console.log(`(e) GET /api-quote-tokens: dxlink-url ${client.quoteStreamer.dxLinkUrl}; DXLink connect requested`)
for (const s of CANDLE_SYMBOLS) client.quoteStreamer.subscribeCandles(s, start, 1, CandleType.Day)
console.log(`    subscribed Candle ${wanted.join(', ')} fromTime ${utcDay(start)}`)
const timer = new Promise(resolve => setTimeout(resolve, SNAPSHOT_TIMEOUT_MS, 'timeout'))
if ((await Promise.race([complete, timer])) === 'timeout') {
  fail(`candle snapshots incomplete after ${SNAPSHOT_TIMEOUT_MS / 1000}s: ` +
    Object.entries(snaps).map(([k, s]) => `${k}: ${s.events} events, done=${s.done}`).join(', '))
}
let ok = true
for (const sym of wanted) {
  const s = snaps[sym]
  const rows = [...s.candles.values()].sort((a, b) => a.time - b.time)
  if (!rows.length) { console.log(`    ${sym}: empty history`); ok = false; continue }
  const bad = rows.filter(c => !(c.low <= Math.min(c.open, c.close) && Math.max(c.open, c.close) <= c.high))
  console.log(`    ${sym}: ${rows.length} daily candles (${s.events} events${s.snipped ? ', SNIPPED' : ''}), ` +
    `first ${utcDay(rows[0].time)}, last ${utcDay(rows.at(-1).time)}, last close ${rows.at(-1).close}, ` +
    `OHLC-inconsistent ${bad.length}`)
  if (bad.length || rows[0].time < start) ok = false
}
client.quoteStreamer.disconnect()
if (!ok) fail('candle history wrong')
console.log('sdk-check: PASS (session, market metrics, by-type quotes, watchlists, DXLink candles via the official JavaScript SDK)')
// QuoteStreamer.disconnect() only drops listeners; the SDK keeps its socket open, so exit here.
process.exit(0)
