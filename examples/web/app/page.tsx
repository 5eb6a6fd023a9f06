// The projects page. The server prefetches what the first paint shows (projects, status, the
// selected project's artifacts) through the route handler in-process,
// with the same query definitions the browser's hooks use, so the page arrives with its rows and
// the hooks take over from there (live updates, refresh, search). The data generation it was
// rendered at goes along, so the live events know whether anything changed before they connected.
import { dehydrate, HydrationBoundary, QueryClient } from '@tanstack/react-query'
import { cacheQueries } from '@skillmeat/cache/client'
import { ProjectsPage } from '@/components/ProjectsPage'
import { serverCacheClient } from '@/lib/cache'

export const dynamic = 'force-dynamic'

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams
  const client = serverCacheClient()
  const qc = new QueryClient()
  const projects = await qc.fetchQuery(cacheQueries.projects(client)).catch(() => null)
  const wanted = typeof params.project === 'string' ? params.project : undefined
  const selected = projects?.items.find((p) => p.id === wanted)?.id ?? projects?.items[0]?.id ?? null
  await Promise.all([
    qc.prefetchQuery(cacheQueries.status(client)),
    selected ? qc.prefetchQuery(cacheQueries.artifacts(client, { projectId: selected })) : null,
  ])
  return (
    <HydrationBoundary state={dehydrate(qc)}>
      <ProjectsPage initialProjectId={selected} generation={client.dataGeneration()} />
    </HydrationBoundary>
  )
}
