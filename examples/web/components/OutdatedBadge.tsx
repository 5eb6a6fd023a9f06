'use client'
// SkillMeat's OutdatedBadge (same props): nothing when up to date; "Update available" otherwise,
// amber (red for a major update), with "current → available" as its tooltip and accessible name,
// a real button when clickable (Enter and Space work, focus is visible).
import { AlertTriangle } from 'lucide-react'
import { badgeVariants } from '@/components/ui/badge'
import { Tooltip, TooltipContent, TooltipTrigger } from '@/components/ui/tooltip'
import { isMajor } from '@/lib/updates'
import { cn } from '@/lib/utils'

export interface OutdatedBadgeProps {
  isOutdated: boolean
  deployedVersion?: string
  upstreamVersion?: string
  versionDifference?: string
  onClick?: () => void
  className?: string
}

export function OutdatedBadge({ isOutdated, deployedVersion, upstreamVersion, versionDifference, onClick, className }: OutdatedBadgeProps) {
  if (!isOutdated) return null
  const major = isMajor(versionDifference)
  const versions = `${deployedVersion || 'unknown'} → ${upstreamVersion || 'unknown'}`
  const label = `Update available: ${versions}${versionDifference ? ` (${versionDifference})` : ''}`
  const classes = cn(
    badgeVariants({ variant: major ? 'destructive' : 'warning' }),
    onClick && 'cursor-pointer hover:opacity-85 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring',
    className,
  )
  const content = (
    <>
      <AlertTriangle className="h-3 w-3" aria-hidden />
      Update available
    </>
  )
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        {onClick ? (
          <button type="button" className={classes} onClick={onClick} aria-label={label} data-testid="outdated-badge">
            {content}
          </button>
        ) : (
          <span className={classes} aria-label={label} tabIndex={0} data-testid="outdated-badge">
            {content}
          </span>
        )}
      </TooltipTrigger>
      <TooltipContent>
        <span className="font-mono">{versions}</span>
        {versionDifference ? <span className="block opacity-80">{versionDifference}</span> : null}
      </TooltipContent>
    </Tooltip>
  )
}
