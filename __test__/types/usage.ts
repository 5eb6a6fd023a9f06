// Compiled with `tsc --noEmit` by __test__/types.test.js: the public declarations as a user
// writes against them. A wrong declaration is a compile error here.
import { Cache, compareVersions, type ArtifactPage, type CacheFreshness } from '@skillmeat/cache'
import { createCacheHandler, versionDifference, type CacheHandler } from '@skillmeat/cache/http'
import { createRouteHandlers, getCache } from '@skillmeat/cache/next'

async function main(): Promise<void> {
  const cache: Cache = Cache.open({ home: '/tmp/x', projectRoots: ['/tmp/y'] })
  const page: ArtifactPage = cache.outdatedArtifacts({ sortBy: 'versionDiff', difference: 'content' })
  const later: Promise<ArtifactPage> = cache.outdatedArtifacts({ projectId: 'p', maxAgeMs: 60_000 })
  const fresh: CacheFreshness = cache.freshness()
  const gen: number = cache.generation() + fresh.ttlMs
  const diff: string | undefined = page.items[0]?.versionDiff
  await cache.checkUpstream({ maxAgeMs: 0, force: false })
  const handler: CacheHandler = createCacheHandler({ cache, basePath: '/api/v1', apiKey: 'k' })
  const res: Response = await handler(new Request('http://localhost/api/v1/cache/status'))
  handler.closeStreams()
  const { GET, POST } = createRouteHandlers({ open: { home: '/tmp/x' } })
  const r2: Response = await GET(new Request('http://localhost/api/v1/projects'))
  await POST(new Request('http://localhost/api/v1/cache/refresh', { method: 'POST' }))
  const c2: Cache = getCache({ home: '/tmp/x' })
  const label: string | null = versionDifference({ isOutdated: true, versionDiff: 'minor', deployedVersion: '1.0.0', upstreamVersion: '1.1.0' })
  const cmp = compareVersions('1.0.0', '1.1.0')
  void [later, gen, diff, res, r2, c2, label, cmp]
}
void main

// Events narrow on `type`.
import type { CacheEvent } from '@skillmeat/cache'
export function describe(e: CacheEvent): string {
  switch (e.type) {
    case 'changesDetected':
      return `${e.projectName}: +${e.added.length} ~${e.updated.length} -${e.removed.length}`
    case 'refreshCompleted':
      return `${e.trigger} refresh in ${e.summary.durationMs} ms`
    case 'refreshError':
      return `${e.code}: ${e.message}`
    case 'refreshProgress':
      return `${e.done}/${e.total}`
    case 'invalidated':
      return `${e.count} project(s)${e.projectId === null ? '' : ` (${e.projectId})`}`
    case 'watcherDegraded':
      return e.reason
    case 'refreshStarted':
      return e.trigger
  }
}
export function subscribe(cache: import('@skillmeat/cache').Cache): () => void {
  return cache.onEvent((e) => void describe(e))
}
