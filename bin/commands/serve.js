'use strict'

const { reportWarnings, withCache } = require('../lib/cache.js')
const { usage } = require('../lib/errors.js')
const { stopSignals } = require('../lib/signals.js')

module.exports = {
  name: 'serve',
  order: 150,
  summary: "Serve SkillMeat's /api/v1 cache routes over HTTP (Ctrl-C stops)",
  description: `
Serves the cache routes of SkillMeat's API (/api/v1/cache/*, /api/v1/projects,
/api/v1/projects/cache/*; see docs/http.md) with the same handler that
@skillmeat/cache/http exports. The first line on stdout is
'listening on http://HOST:PORT/api/v1' (--port 0 picks any free port).`,
  details: `
SIGINT or SIGTERM stops it gracefully: no new connections, requests in flight
finish, the cache is closed; exit 0.`,
  options: {
    host: {
      type: 'string',
      value: 'HOST',
      description: 'Address to listen on (default 127.0.0.1). Any other than a loopback address needs --api-key (or SKILLMEAT_API_KEY)',
    },
    port: { type: 'string', value: 'N', description: 'Port (default 8080; 0 = any free port)' },
    watch: { type: 'boolean', description: 'Watch project folders and re-scan what changes (the default, unless SKILLMEAT_CACHE_WATCH or config.toml says otherwise)' },
    'no-watch': { type: 'boolean', description: 'Do not watch: answers change only with a refresh or when projects turn stale (TTL)' },
    background: { type: 'boolean', description: 'Refresh stale projects in the background' },
    'api-key': { type: 'string', value: 'KEY', description: 'Require this X-API-Key header on every request (default: $SKILLMEAT_API_KEY)' },
    'cors-origin': {
      type: 'string',
      value: 'ORIGIN',
      multiple: true,
      description: "Let pages of this origin call the routes (repeat it; '*' for any; 'none' for no cross-origin calls). Default: SKILLMEAT_CORS_ORIGINS, config.toml cors_origins, else SkillMeat's (http://localhost:3000, :3001, :5173, :8080)",
    },
  },
  args: [],
  async run(ctx) {
    const v = ctx.values
    const host = v.host ?? '127.0.0.1'
    const portText = v.port ?? '8080'
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
      throw usage(`--port must be a whole number from 0 to 65535, got '${portText}'`)
    }
    const apiKey = v['api-key'] ?? (ctx.env.SKILLMEAT_API_KEY || undefined)
    const { startServer, isLoopback } = require('../../src/js/serve.js')
    const { createCacheHandler } = require('../../src/js/http.js')
    if (!isLoopback(host) && !apiKey) {
      throw usage(
        `refusing to serve on ${host} without an API key: anyone who can reach this machine could read your projects. ` +
          `Pass --api-key KEY (or set SKILLMEAT_API_KEY), or listen on 127.0.0.1`,
      )
    }
    // Signals are taken before anything slow, so an early Ctrl-C still ends cleanly.
    const signals = stopSignals(['SIGINT', 'SIGTERM'])
    try {
      if (v.watch && v['no-watch']) throw usage('--watch and --no-watch contradict each other; pass one')
      const { serverDefaults } = require('../../src/js/server-defaults.js')
      const asked = { home: v.home, ...(v.watch ? { watch: true } : {}), ...(v['no-watch'] ? { watch: false } : {}) }
      const { watch, projectRoots } = serverDefaults(asked, ctx.env)
      const extra = {
        ...(watch !== undefined ? { watch } : {}),
        ...(projectRoots !== undefined ? { projectRoots } : {}),
        ...(v.background ? { backgroundRefresh: true } : {}),
      }
      await withCache(
        v,
        async (cache) => {
          reportWarnings(cache, ctx)
          const origins = v['cors-origin']
          const cors = origins === undefined ? undefined : origins.includes('none') ? false : { origins }
          const srv = await startServer({ handler: createCacheHandler({ cache, apiKey, cors }), host, port: Number(portText) })
          ctx.out.line(`listening on ${srv.url}`)
          await signals.stopped()
          await srv.close()
        },
        extra,
      )
    } finally {
      signals.dispose()
    }
  },
}
