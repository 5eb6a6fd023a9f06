'use strict'

const readline = require('node:readline')
const { withCache } = require('../lib/cache.js')
const { CliError, usage } = require('../lib/errors.js')
const { PROG } = require('../lib/program.js')

/** Asks `question` on stderr and resolves with the answer ('' when the input ends first). */
function ask(question, input, output) {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, output })
    let answered = false
    rl.question(question, (answer) => {
      answered = true
      rl.close()
      resolve(answer)
    })
    rl.on('close', () => {
      if (!answered) {
        output.write('\n')
        resolve('')
      }
    })
  })
}

module.exports = {
  name: 'clear',
  order: 120,
  summary: 'Empty the cache (registered folders are kept)',
  description: `
The next refresh rebuilds it.
Asks for confirmation on a terminal; without a terminal, -y is required
(exit 2 otherwise). Declining at the prompt exits 1.
--json prints {"cleared": true, "dbPath": PATH}.`,
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Clear without asking' },
  },
  args: [],
  async run(ctx) {
    const yes = ctx.values.yes === true
    if (!yes && !ctx.stdin.isTTY) {
      throw usage('refusing to clear the cache without confirmation; pass -y (--yes) to clear it')
    }
    const dbPath = await withCache(ctx.values, async (cache) => {
      const p = cache.status().dbPath
      if (!yes) {
        const answer = await ask(`Clear the cache at ${p}? [y/N] `, ctx.stdin, ctx.out.stderr)
        if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled; nothing was cleared', 'CANCELLED')
      }
      await cache.clear()
      return p
    })
    if (ctx.json) return ctx.out.json({ cleared: true, dbPath })
    ctx.out.line(`Cleared the cache at ${dbPath}. Registered folders are kept; run '${PROG} refresh' to rebuild it.`)
  },
}
