'use strict'
// Plain-text formatting of values for people: sizes, times, durations, counts, versions.

function formatBytes(n) {
  if (!Number.isFinite(n)) return String(n)
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`
}

/** How long ago `ms` (ms since the epoch) was: 'just now', '5 s ago', ..., or 'never'. */
function ago(ms, now = Date.now()) {
  if (!ms) return 'never'
  const s = Math.round((now - ms) / 1000)
  if (s < 5) return 'just now'
  if (s < 60) return `${s} s ago`
  const m = Math.round(s / 60)
  if (m < 60) return `${m} min ago`
  const h = Math.round(m / 60)
  if (h < 48) return `${h} h ago`
  return `${Math.round(h / 24)} d ago`
}

const pad2 = (n) => String(n).padStart(2, '0')

/** Local wall-clock time, HH:MM:SS (the time stamp of 'watch' lines). */
function clock(ms = Date.now()) {
  const d = new Date(ms)
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
}

/** '5 min ago (2025-01-01 12:00:00)' in local time, or 'never'. */
function formatTime(ms) {
  if (!ms) return 'never'
  const d = new Date(ms)
  return `${ago(ms)} (${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clock(ms)})`
}

function formatDuration(ms) {
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`
}

/** A configuration value for a table cell: lists joined with ', ', objects as JSON. */
function formatValue(v) {
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.length ? v.map(String).join(', ') : '(none)'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

const plural = (n, word, many = word + 's') => `${n} ${n === 1 ? word : many}`

/** A version for a table cell: a long commit SHA is shortened to 7 characters, like git. */
function shortVersion(v) {
  if (v === undefined || v === null) return ''
  return /^[0-9a-f]{12,40}$/i.test(v) ? v.slice(0, 7) : String(v)
}

/** A configuration key as status() names it (ttl_minutes -> ttlMinutes), and back. */
const toCamel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
const toSnake = (k) => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())

module.exports = { formatBytes, ago, clock, formatTime, formatDuration, formatValue, plural, shortVersion, toCamel, toSnake }
