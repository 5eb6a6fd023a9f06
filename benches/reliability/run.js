#!/usr/bin/env node
'use strict'
// `npm run reliability [-- --quick] [--suite crash,load,…]`: the reliability suites against the
// built addon and real processes. Prints each suite's figures and writes them, with the machine
// and the date, to benches/reliability/results/<date>-<mode>.json (docs/reliability.md quotes
// these). Exit 1 when any suite recorded a failure.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const SUITES = ['crash', 'load', 'faults', 'memory']
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.includes('--suite') ? args[args.indexOf('--suite') + 1].split(',') : SUITES
const started = Date.now()
const log = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`)

async function main() {
  const machine = `${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`
  log(`reliability (${quick ? 'quick' : 'full'}) on ${machine}`)
  const results = { date: new Date().toISOString(), mode: quick ? 'quick' : 'full', machine, suites: {} }
  let failed = 0
  for (const name of only) {
    if (!SUITES.includes(name)) throw new Error(`unknown suite '${name}' (suites: ${SUITES.join(', ')})`)
    const t0 = Date.now()
    const figures = await require(`./${name}.js`).run({ quick, log })
    figures.seconds = Math.round((Date.now() - t0) / 1000)
    results.suites[name] = figures
    const n = (figures.failures || []).length
    failed += n
    log(`${name}: ${n === 0 ? 'held' : `${n} FAILURE(S)`} in ${figures.seconds} s`)
    for (const f of (figures.failures || []).slice(0, 20)) log(`  ! ${f}`)
  }
  const dir = path.join(__dirname, 'results')
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `${results.date.slice(0, 10)}-${results.mode}.json`)
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n')
  console.log(JSON.stringify(results.suites, null, 2))
  log(`figures written to ${path.relative(process.cwd(), file)}`)
  process.exitCode = failed ? 1 : 0
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
