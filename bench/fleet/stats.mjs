/** Small statistics and formatting helpers for bench:fleet (no dependencies). */

/** Nearest-rank percentile of numbers (p in 0..100); NaN for an empty list. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]
}

export function sum(values) {
  let s = 0
  for (const v of values) s += v
  return s
}

/** Calls per bucket (width ms) from t0 to t0 + span, optionally filtered. */
export function buckets(calls, t0, widthMs, spanMs, filter = () => true) {
  const n = Math.max(1, Math.ceil(spanMs / widthMs))
  const out = new Array(n).fill(0)
  for (const c of calls) {
    if (!filter(c)) continue
    const i = Math.floor((c.at - t0) / widthMs)
    if (i >= 0 && i < n) out[i] += 1
  }
  return out
}

/** Per operation: total, ok, throttled, peak per second (1 s buckets from t0), first/last call. */
export function byOperation(calls, t0) {
  const ops = new Map()
  for (const c of calls) {
    let o = ops.get(c.operation)
    if (!o) ops.set(c.operation, (o = { operation: c.operation, total: 0, ok: 0, throttled: 0, other: 0, perSecond: [], okPerSecond: [], first: Infinity, last: -Infinity, lastOk: -Infinity }))
    o.total += 1
    if (c.throttled) o.throttled += 1
    else if (c.status === 200) o.ok += 1
    else o.other += 1
    const s = Math.floor((c.at - t0) / 1000)
    if (s >= 0) {
      o.perSecond[s] = (o.perSecond[s] ?? 0) + 1
      if (!c.throttled && c.status === 200) o.okPerSecond[s] = (o.okPerSecond[s] ?? 0) + 1
    }
    o.first = Math.min(o.first, c.at)
    o.last = Math.max(o.last, c.at)
    if (c.status === 200 && !c.throttled) o.lastOk = Math.max(o.lastOk, c.at)
  }
  for (const o of ops.values()) {
    o.perSecond = Array.from(o.perSecond, (v) => v ?? 0)
    o.okPerSecond = Array.from({ length: o.perSecond.length }, (_, i) => o.okPerSecond[i] ?? 0)
    o.peak = Math.max(0, ...o.perSecond)
    o.peakOk = Math.max(0, ...o.okPerSecond)
  }
  return [...ops.values()].sort((a, b) => b.total - a.total)
}

export function fmt(n, digits = 0) {
  if (n === undefined || n === null || Number.isNaN(n)) return '–'
  if (!Number.isFinite(n)) return String(n)
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function ms(n) {
  if (n === undefined || Number.isNaN(n)) return '–'
  return n >= 10_000 ? `${fmt(n / 1000, 1)} s` : `${fmt(n)} ms`
}

/** A markdown table. */
export function table(header, rows, align) {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'))
  const line = (cells) => `| ${cells.map((c) => String(c)).join(' | ')} |`
  return [line(header), line(a.map((x) => (x === 'l' ? ':--' : '--:'))), ...rows.map(line)].join('\n')
}

const BLOCKS = ' ▁▂▃▄▅▆▇█'

/** One-line sparkline of values, scaled to max. */
export function sparkline(values, max = Math.max(1, ...values)) {
  return values.map((v) => BLOCKS[Math.min(8, Math.round((v / max) * 8))]).join('')
}

/** A small ASCII chart: `rows` lines high, one column per value, '#' bars, y labels. */
export function asciiChart(values, rows = 6, max = Math.max(1, ...values)) {
  const lines = []
  const labelWidth = String(Math.round(max)).length
  for (let r = rows; r >= 1; r--) {
    const threshold = (r - 0.5) * (max / rows)
    const label = r === rows ? String(Math.round(max)).padStart(labelWidth) : r === 1 ? '0'.padStart(labelWidth) : ' '.repeat(labelWidth)
    lines.push(`${label} |${values.map((v) => (v >= threshold ? '#' : v > 0 && r === 1 ? '.' : ' ')).join('')}`)
  }
  lines.push(`${' '.repeat(labelWidth)} +${'-'.repeat(values.length)}`)
  return lines.join('\n')
}
