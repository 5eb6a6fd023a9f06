#!/usr/bin/env node
'use strict'
// Helper of benches/node/search.js: runs the given queries against an existing cache in a process
// of its own (no MiniSearch heap beside it) and prints the latencies (ms) as JSON.
//
//   node benches/node/search-alone.js '<Cache.open options JSON>' queries.json rounds
const fs = require('node:fs')
const { performance } = require('node:perf_hooks')
const { Cache } = require('../../index.js')

const [optsJson, queryFile, rounds = '3'] = process.argv.slice(2)
const cache = Cache.open(JSON.parse(optsJson))
const queries = JSON.parse(fs.readFileSync(queryFile, 'utf8'))
for (const q of queries) cache.search(q, { limit: 20 }) // warm-up round, not measured
const out = []
for (let r = 0; r < Number(rounds); r++) {
  for (const q of queries) {
    const t0 = performance.now()
    cache.search(q, { limit: 20 })
    out.push(performance.now() - t0)
  }
}
cache.close()
process.stdout.write(JSON.stringify(out))
