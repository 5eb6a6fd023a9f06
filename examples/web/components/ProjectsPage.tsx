'use client'
// The projects page: toolbar (freshness, refresh, outdated count), projects with their outdated
// counts, the selected project's artifacts (outdated filter, sorts, health), search as you type
// across every project, and the update modal. Live: useCacheEvents marks what changed stale.
import { startTransition, useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react'
import dynamic from 'next/dynamic'
import { Clock, FolderGit2, RefreshCw, Search, TriangleAlert, Wifi, WifiOff } from 'lucide-react'
import {
  useCacheArtifacts,
  useCacheEvents,
  useCacheRefresh,
  useCacheSearch,
  useCacheStatus,
  useOutdatedArtifacts,
  useProjectCache,
} from '@skillmeat/cache/react'
import type { ArtifactRow, OutdatedArtifact, UseOutdatedArtifactsOptions } from '@skillmeat/cache/client'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Input } from '@/components/ui/input'
import { OutdatedBadge } from '@/components/OutdatedBadge'
import { HealthBadge } from '@/components/HealthBadge'
import type { UpdateAvailableModalProps } from '@/components/UpdateAvailableModal'
import { severity, shortRef } from '@/lib/updates'
import { cn } from '@/lib/utils'

// The modal (and its dialog library) loads when first opened, not with the page.
const UpdateAvailableModal = dynamic(() => import('@/components/UpdateAvailableModal').then((m) => m.UpdateAvailableModal), { ssr: false })

/** The outdated-artifacts query of this page (loaded after the first paint). */
export const OUTDATED_QUERY: UseOutdatedArtifactsOptions = { sortBy: 'version_diff' }

type Sort = 'status' | 'name' | 'updated'

const FIRST_ROW_TIMING: Record<string, string> = { elementtiming: 'first-artifact-row' }
type Row = Pick<
  ArtifactRow,
  'id' | 'name' | 'type' | 'project_id' | 'project_name' | 'deployed_version' | 'upstream_version' | 'is_outdated' | 'version_difference' | 'difference'
> &
  Partial<ArtifactRow>

// Long lists arrive in two steps: the server renders (and the first paint shows) the first
// screenful of rows, and the rest are rendered right after hydration, so a project of 100
// artifacts beside 100 projects costs the first paint only what it shows.
const FIRST_PAINT_ARTIFACTS = 20
const FIRST_PAINT_PROJECTS = 30

/** False for the server render and the hydration that matches it; true right after. */
function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false)
  useEffect(() => startTransition(() => setHydrated(true)), [])
  return hydrated
}

function ago(seconds: number): string {
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`
  return `${Math.floor(seconds / 86_400)} d ago`
}

/** A clock that ticks every second (for "updated 12 s ago"); null until mounted. */
function useNow(): number | null {
  const [now, setNow] = useState<number | null>(null)
  useEffect(() => {
    setNow(Date.now())
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [])
  return now
}

function sortRows(rows: Row[], sort: Sort): Row[] {
  const byName = (a: Row, b: Row) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type)
  const out = [...rows]
  if (sort === 'status') out.sort((a, b) => severity(b) - severity(a) || byName(a, b))
  else if (sort === 'updated') out.sort((a, b) => (b.modified_at ?? '').localeCompare(a.modified_at ?? '') || byName(a, b))
  else out.sort(byName)
  return out
}

function toModal(a: Row): UpdateAvailableModalProps['artifact'] {
  return {
    id: a.id,
    name: a.name,
    type: a.type,
    projectName: a.project_name,
    deployedVersion: a.deployed_version ?? shortRef(a.deployed_sha) ?? undefined,
    upstreamVersion: a.upstream_version ?? shortRef(a.upstream_sha) ?? undefined,
    versionDifference: a.version_difference ?? undefined,
    difference: a.difference ?? undefined,
    source: a.source ?? undefined,
    deployedSha: a.deployed_sha ?? undefined,
    upstreamSha: a.upstream_sha ?? undefined,
  }
}

export function ProjectsPage({ initialProjectId, generation }: { initialProjectId: string | null; generation?: number | null }) {
  const { projects, error: projectsError } = useProjectCache()
  const { status } = useCacheStatus()
  // Loaded after the first paint (not prefetched: on a large tree it is the biggest answer); it
  // puts update badges on search hits.
  const outdated = useOutdatedArtifacts(OUTDATED_QUERY)
  const { refresh, isRefreshing } = useCacheRefresh()
  const live = useCacheEvents({ generation })
  const now = useNow()
  const hydrated = useHydrated()

  const [selected, setSelected] = useState<string | null>(initialProjectId)
  const [outdatedOnly, setOutdatedOnly] = useState(false)
  const [sort, setSort] = useState<Sort>('status')
  const [query, setQuery] = useState('')
  const deferredQuery = useDeferredValue(query)
  const [modal, setModal] = useState<Row | null>(null)

  const projectId = selected && projects.some((p) => p.id === selected) ? selected : (projects[0]?.id ?? selected)
  const artifacts = useCacheArtifacts({ projectId: projectId ?? undefined }, { enabled: Boolean(projectId) })
  const search = useCacheSearch(deferredQuery, { limit: 50 })
  const searching = deferredQuery.trim().length > 0

  const outdatedRows: OutdatedArtifact[] = outdated.data?.items ?? []
  const outdatedById = useMemo(() => new Map(outdatedRows.map((o) => [o.id, o])), [outdatedRows])

  const selectProject = useCallback((id: string) => {
    setSelected(id)
    setQuery('')
    const url = new URL(window.location.href)
    url.searchParams.set('project', id)
    window.history.replaceState(null, '', url)
  }, [])

  const doRefresh = useCallback(() => {
    refresh().catch(() => undefined)
  }, [refresh])

  // Ctrl+Shift+R / Cmd+Shift+R refreshes the cache (instead of hard-reloading the page).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'r') {
        e.preventDefault()
        doRefresh()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [doRefresh])

  const rows: Row[] = useMemo(() => {
    if (searching) {
      return (search.data?.items ?? []).map((h) => {
        const o = outdatedById.get(h.id)
        return {
          id: h.id,
          name: h.name,
          type: h.type,
          project_id: h.project_id,
          project_name: h.project_name,
          deployed_version: o?.deployed_version ?? null,
          upstream_version: o?.upstream_version ?? null,
          is_outdated: Boolean(o),
          version_difference: o?.version_difference ?? null,
          difference: o?.difference ?? null,
          deployed_sha: o?.deployed_sha ?? null,
          upstream_sha: o?.upstream_sha ?? null,
        }
      })
    }
    const all = (artifacts.data?.items ?? []) as Row[]
    return sortRows(outdatedOnly ? all.filter((a) => a.is_outdated) : all, sort)
  }, [searching, search.data, outdatedById, artifacts.data, outdatedOnly, sort])

  const lastRefetch = status?.lastRefetch ?? null
  const age = lastRefetch && now !== null ? Math.max(0, Math.round((now - lastRefetch.getTime()) / 1000)) : null
  const stale = status?.isStale ?? false
  const outdatedCount = status?.outdatedArtifacts ?? outdated.data?.total ?? 0
  const current = projects.find((p) => p.id === projectId)

  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-4 p-4 sm:p-6">
      <header className="flex flex-wrap items-center justify-between gap-3">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">Projects</h1>
          <p className="text-sm text-muted-foreground">Claude Code artifacts deployed in your projects</p>
        </div>
        <div className="flex flex-wrap items-center gap-2" role="toolbar" aria-label="Cache">
          <Badge variant={stale ? 'destructive' : 'secondary'} data-testid="freshness" aria-live="polite">
            {stale ? <TriangleAlert className="h-3 w-3" aria-hidden /> : <Clock className="h-3 w-3" aria-hidden />}
            <span suppressHydrationWarning>
              {stale ? 'Stale · ' : ''}
              {lastRefetch === null ? 'Not refreshed yet' : age === null ? 'Updated' : `Updated ${ago(age)}`}
            </span>
          </Badge>
          <Badge variant={outdatedCount > 0 ? 'warning' : 'outline'} data-testid="outdated-count">
            {outdatedCount} {outdatedCount === 1 ? 'update' : 'updates'} available
          </Badge>
          <span className="inline-flex items-center gap-1 text-xs text-muted-foreground" data-testid="live-state" data-state={live.state}>
            {live.state === 'open' ? <Wifi className="h-3 w-3" aria-hidden /> : <WifiOff className="h-3 w-3" aria-hidden />}
            {live.state === 'open' ? 'Live' : live.state === 'off' ? 'Offline' : 'Connecting…'}
          </span>
          <Button variant="outline" size="sm" onClick={doRefresh} disabled={isRefreshing} aria-keyshortcuts="Control+Shift+R Meta+Shift+R" title="Refresh (Ctrl+Shift+R)">
            <RefreshCw className={cn('h-4 w-4', isRefreshing && 'animate-spin')} aria-hidden />
            {isRefreshing ? 'Refreshing…' : 'Refresh'}
          </Button>
        </div>
      </header>

      {projectsError ? (
        <p role="alert" className="rounded-md border border-destructive/50 bg-destructive/10 p-3 text-sm text-destructive">
          The cache could not be read: {projectsError.message}
        </p>
      ) : null}

      <div className="grid min-w-0 gap-4 md:grid-cols-[16rem_minmax(0,1fr)]">
        <nav aria-label="Projects" className="min-w-0">
          <ul className="flex max-h-56 flex-col gap-1 overflow-y-auto md:max-h-none" data-testid="project-list">
            {(hydrated ? projects : projects.slice(0, FIRST_PAINT_PROJECTS)).map((p) => {
              const n = p.outdated_count ?? 0
              const active = p.id === projectId && !searching
              return (
                <li key={p.id}>
                  <button
                    type="button"
                    onClick={() => selectProject(p.id)}
                    aria-current={active ? 'page' : undefined}
                    className={cn(
                      'flex w-full items-center justify-between gap-2 rounded-md px-3 py-2 text-left text-sm hover:bg-accent',
                      active && 'bg-secondary font-medium',
                    )}
                    data-testid="project-item"
                  >
                    <span className="flex min-w-0 items-center gap-2">
                      <FolderGit2 className="h-4 w-4 shrink-0 text-muted-foreground" aria-hidden />
                      <span className="truncate">{p.name}</span>
                    </span>
                    <span className="flex shrink-0 items-center gap-1">
                      {n > 0 ? (
                        <Badge variant="warning" aria-label={`${n} outdated`} data-testid="project-outdated-count">
                          {n}
                        </Badge>
                      ) : null}
                      <span className="text-xs text-muted-foreground" aria-label={`${p.artifact_count} artifacts`}>
                        {p.artifact_count}
                      </span>
                    </span>
                  </button>
                </li>
              )
            })}
          </ul>
        </nav>

        <main className="flex min-w-0 flex-col gap-3">
          <div className="flex flex-wrap items-center gap-2">
            <label className="relative min-w-0 flex-1 basis-56">
              <span className="sr-only">Search artifacts in every project</span>
              <Search className="pointer-events-none absolute top-1/2 left-2.5 h-4 w-4 -translate-y-1/2 text-muted-foreground" aria-hidden />
              <Input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search artifacts…" className="pl-8" />
            </label>
            <label className="inline-flex items-center gap-2 text-sm">
              <input type="checkbox" checked={outdatedOnly} onChange={(e) => setOutdatedOnly(e.target.checked)} disabled={searching} className="h-4 w-4" />
              Outdated only
            </label>
            <label className="inline-flex items-center gap-2 text-sm">
              Sort
              <select
                value={sort}
                onChange={(e) => setSort(e.target.value as Sort)}
                disabled={searching}
                className="h-9 rounded-md border border-input bg-background px-2 text-sm"
              >
                <option value="status">Update status</option>
                <option value="name">Name</option>
                <option value="updated">Recently changed</option>
              </select>
            </label>
          </div>

          <h2 className="text-sm font-medium text-muted-foreground" aria-live="polite">
            {searching ? `${search.data?.total ?? 0} results for “${deferredQuery.trim()}”` : current ? `${current.name} · ${rows.length} artifacts` : 'No projects yet'}
          </h2>

          <ul className="flex flex-col gap-2" data-testid="artifact-list" aria-busy={artifacts.isFetching || search.isFetching}>
            {(hydrated ? rows : rows.slice(0, FIRST_PAINT_ARTIFACTS)).map((a, i) => (
              <li key={a.id} className="rounded-lg border bg-card p-3" data-testid="artifact-row" data-name={a.name} data-outdated={a.is_outdated}>
                <div className="flex flex-wrap items-center gap-2">
                  {/* Element Timing: when the first row is painted (npm run bench:web). */}
                  <span className="min-w-0 font-medium break-all" {...(i === 0 ? FIRST_ROW_TIMING : undefined)}>
                    {a.name}
                  </span>
                  <Badge variant="outline">{a.type}</Badge>
                  {searching ? <span className="text-xs text-muted-foreground">{a.project_name}</span> : null}
                  {a.deployed_version ? (
                    <span className="font-mono text-xs text-muted-foreground">{/^v\d/i.test(a.deployed_version) ? a.deployed_version : `v${a.deployed_version}`}</span>
                  ) : null}
                  <OutdatedBadge
                    isOutdated={a.is_outdated}
                    deployedVersion={a.deployed_version ?? shortRef(a.deployed_sha) ?? undefined}
                    upstreamVersion={a.upstream_version ?? shortRef(a.upstream_sha) ?? undefined}
                    versionDifference={a.version_difference ?? undefined}
                    onClick={() => setModal(a)}
                  />
                  {a.health ? <HealthBadge health={a.health} problems={a.problems ?? []} /> : null}
                </div>
                {a.description ? <p className="mt-1 line-clamp-2 text-sm text-muted-foreground">{a.description}</p> : null}
              </li>
            ))}
          </ul>
          {!searching && rows.length === 0 && artifacts.isSuccess ? (
            <p className="text-sm text-muted-foreground">{outdatedOnly ? 'Everything in this project is up to date.' : 'No artifacts deployed in this project.'}</p>
          ) : null}
        </main>
      </div>

      {modal ? <UpdateAvailableModal isOpen onClose={() => setModal(null)} artifact={toModal(modal)} /> : null}
    </div>
  )
}
