// Warms the cache when the server starts, so the first page load reads a fresh cache.
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return
  // `next build` loads this too: only a running server warms (and opens) the cache.
  if (process.env.NEXT_PHASE === 'phase-production-build') return
  const { getCache } = await import('@skillmeat/cache/next')
  const { cacheOptions } = await import('./lib/cache')
  try {
    const s = await getCache(cacheOptions).refresh()
    console.log(`[skillmeat-cache] warm: ${s.projectsScanned} projects scanned, ${s.artifactsAdded} artifacts added in ${Math.round(s.durationMs)} ms`)
  } catch (e) {
    const err = e as { code?: string; message?: string }
    console.error(`[skillmeat-cache] could not warm the cache (${err.code ?? 'ERROR'}): ${err.message ?? e}`)
  }
}
