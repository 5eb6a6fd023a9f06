'use strict'
// Shared by the Node benchmarks: percentiles of a list of timings, and a small seeded generator
// so that every run measures the same inputs.

/** `{ n, p50, p99, mean, max }` of `samples` (ms). */
function stats(samples) {
  const s = [...samples].sort((a, b) => a - b)
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return { n: s.length, p50: q(0.5), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length, max: s[s.length - 1] }
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function mulberry32(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

module.exports = { stats, mulberry32 }
