// What an update is: its kind, how severe, the command that applies it, where to compare it.
import type { ArtifactRow, Difference } from '@skillmeat/cache/client'

const RANK: Record<string, number> = { major: 6, minor: 5, patch: 4, prerelease: 3, commit: 3, content: 2, unknown: 1 }

/** How severe an artifact's update is (0: up to date; a major update ranks highest). */
export function severity(a: Pick<ArtifactRow, 'is_outdated' | 'difference' | 'version_difference'>): number {
  if (!a.is_outdated) return 0
  if (a.difference && RANK[a.difference]) return RANK[a.difference]
  return a.version_difference && /major/i.test(a.version_difference) ? RANK.major : RANK.unknown
}

/** Whether an update is a major one (SkillMeat's rule: the difference names `major`). */
export function isMajor(versionDifference?: string | null, difference?: Difference | null): boolean {
  return difference === 'major' || Boolean(versionDifference && /major/i.test(versionDifference))
}

const KIND: Record<string, string> = {
  major: 'Major update',
  minor: 'Minor update',
  patch: 'Patch update',
  prerelease: 'Pre-release',
  commit: 'New commit upstream',
  content: 'Content changed upstream',
}

/** The kind of change in a few words. */
export function kindLabel(difference?: Difference | null, versionDifference?: string | null): string {
  if (difference && KIND[difference]) return KIND[difference]
  if (isMajor(versionDifference)) return KIND.major
  return 'Update available'
}

/** A 40-hex commit id shortened to 7, anything else as it is. */
export function shortRef(v?: string | null): string | undefined {
  if (!v) return undefined
  return /^[0-9a-f]{40}$/i.test(v) ? v.slice(0, 7) : v
}

/** The SkillMeat command that updates the artifact in its collection (then redeploy). */
export function updateCommand(a: { name: string; type: string }): string {
  const typed = ['skill', 'command', 'agent'].includes(a.type) ? ` --type ${a.type}` : ''
  const name = /^[\w.@/-]+$/.test(a.name) ? a.name : `'${a.name.replace(/'/g, `'\\''`)}'`
  return `skillmeat update ${name}${typed}`
}

/**
 * GitHub's compare page between the deployed and the upstream revision, for a GitHub source
 * (`owner/repo/path`, `github:owner/repo/…` or `https://github.com/owner/repo/…`); null otherwise.
 */
export function compareUrl(a: {
  source?: string | null
  deployedSha?: string | null
  upstreamSha?: string | null
  deployedVersion?: string | null
  upstreamVersion?: string | null
}): string | null {
  if (!a.source) return null
  const spec = a.source.replace(/^github:/, '').replace(/^https?:\/\/github\.com\//, '').replace(/@.*$/, '')
  const m = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)(?:\/|$)/.exec(spec)
  if (!m) return null
  const from = a.deployedSha || a.deployedVersion
  const to = a.upstreamSha || a.upstreamVersion
  if (!from || !to || from === to) return null
  return `https://github.com/${m[1]}/${m[2].replace(/\.git$/, '')}/compare/${encodeURIComponent(from)}...${encodeURIComponent(to)}`
}
