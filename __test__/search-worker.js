'use strict'
// Child process of search.test.js: opens the cache on the database given by the parent, waits
// for 'go' after saying it is ready (so that both children write at the same moment), registers its projects, refreshes
// each of them a few times with `force`, and reports what its search index saw.
//
//   fork(__filename, [JSON.stringify({ home, path, projects: [dir...], rounds })])
const { Cache } = require('../index.js')

const { home, path: dbPath, projects, rounds = 3 } = JSON.parse(process.argv[2])

async function main() {
  const cache = Cache.open({ home, path: dbPath })
  try {
    const go = new Promise((resolve) => process.once('message', resolve))
    process.send({ ready: true })
    await go
    const ids = []
    for (const dir of projects) ids.push(cache.registerProject(dir).id)
    for (let round = 0; round < rounds; round++) {
      for (const projectId of ids) await cache.refresh({ projectId, force: true })
    }
    const s = cache.status().search
    const own = ids.map((projectId) => cache.search('', { projectId, limit: 10000 }).total)
    process.send({ ok: true, ids, own, search: s })
  } finally {
    cache.close()
  }
}

main().catch((e) => {
  process.send({ ok: false, code: e.code, message: e.message, stack: e.stack })
  process.exitCode = 1
})
