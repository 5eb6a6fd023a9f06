'use client'
// What Claude Code will do with an artifact: nothing shown when it loads cleanly; "Degraded"
// (loads, part ignored) or "Broken" (not loaded) with the problems as the tooltip.
import { CircleAlert, CircleX } from 'lucide-react'
import { badgeVariants } from '@/components/ui/badge'
import { Tooltip, TooltipContent, TooltipTrigger } from '@/components/ui/tooltip'
import type { ArtifactProblem, Health } from '@skillmeat/cache/client'
import { cn } from '@/lib/utils'

export function HealthBadge({ health, problems }: { health: Health; problems: ArtifactProblem[] }) {
  if (health === 'ok') return null
  const broken = health === 'broken'
  const first = problems[0]
  const label = `${broken ? 'Broken' : 'Degraded'}${first ? `: ${first.message}` : ''}`
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span tabIndex={0} aria-label={label} className={cn(badgeVariants({ variant: broken ? 'destructive' : 'warning' }))} data-testid="health-badge">
          {broken ? <CircleX className="h-3 w-3" aria-hidden /> : <CircleAlert className="h-3 w-3" aria-hidden />}
          {broken ? 'Broken' : 'Degraded'}
        </span>
      </TooltipTrigger>
      <TooltipContent>
        <ul className="space-y-1">
          {problems.map((p, i) => (
            <li key={i}>
              {p.message}
              {p.fix ? <span className="block opacity-80">{p.fix}</span> : null}
            </li>
          ))}
        </ul>
      </TooltipContent>
    </Tooltip>
  )
}
