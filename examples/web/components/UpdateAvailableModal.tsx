'use client'
// SkillMeat's UpdateAvailableModal (same props, plus what this package knows): deployed and
// upstream side by side, the kind of change, a warning for a major update, the command that
// applies it (with copy) and, for a GitHub source, the compare page between the two revisions.
import { useRef, useState } from 'react'
import { AlertTriangle, ArrowRight, Check, Copy, ExternalLink, GitBranch, Package } from 'lucide-react'
import { Badge } from '@/components/ui/badge'
import { Button } from '@/components/ui/button'
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogClose } from '@/components/ui/dialog'
import type { Difference } from '@skillmeat/cache/client'
import { compareUrl, isMajor, kindLabel, shortRef, updateCommand } from '@/lib/updates'

export interface UpdateAvailableModalProps {
  isOpen: boolean
  onClose: () => void
  artifact: {
    id: string
    name: string
    type: string
    projectName: string
    deployedVersion?: string
    upstreamVersion?: string
    versionDifference?: string
    /** The bare kind (`major`, `minor`, …, `commit`, `content`). */
    difference?: Difference
    /** `owner/repo/path` of a GitHub source. */
    source?: string
    deployedSha?: string
    upstreamSha?: string
  }
  onUpdate?: () => void
}

export function UpdateAvailableModal({ isOpen, onClose, artifact, onUpdate }: UpdateAvailableModalProps) {
  const [copied, setCopied] = useState(false)
  // Opened from a badge rather than a Dialog.Trigger: focus goes back to whatever opened it.
  // Read while rendering the opening: the dialog's focus trap moves focus in before any effect runs.
  const returnTo = useRef<HTMLElement | null>(null)
  if (!isOpen) returnTo.current = null
  else if (!returnTo.current && typeof document !== 'undefined' && document.activeElement instanceof HTMLElement) {
    returnTo.current = document.activeElement
  }
  const major = isMajor(artifact.versionDifference, artifact.difference)
  const command = updateCommand(artifact)
  const compare = compareUrl(artifact)
  const current = artifact.deployedVersion || shortRef(artifact.deployedSha) || 'unknown'
  const available = artifact.upstreamVersion || shortRef(artifact.upstreamSha) || 'unknown'

  async function copy() {
    try {
      await navigator.clipboard.writeText(command)
      setCopied(true)
      setTimeout(() => setCopied(false), 2000)
    } catch {
      // Clipboard refused (insecure origin, permissions): select the text for a manual copy.
      const el = document.getElementById('update-command')
      const sel = window.getSelection()
      if (el && sel) {
        sel.selectAllChildren(el)
      }
    }
  }

  return (
    <Dialog open={isOpen} onOpenChange={(open) => (open ? undefined : onClose())}>
      <DialogContent
        data-testid="update-modal"
        onCloseAutoFocus={(e) => {
          e.preventDefault()
          returnTo.current?.focus()
        }}
      >
        <DialogHeader>
          <DialogTitle>
            <Package className="h-5 w-5" aria-hidden />
            Update available
          </DialogTitle>
          <DialogDescription>A newer revision of this artifact is available upstream.</DialogDescription>
        </DialogHeader>

        <div className="rounded-lg border p-4">
          <div className="flex items-start justify-between gap-2">
            <div className="min-w-0">
              <h3 className="truncate font-semibold">{artifact.name}</h3>
              <p className="mt-1 flex items-center gap-1 text-sm text-muted-foreground">
                <GitBranch className="h-3 w-3" aria-hidden />
                {artifact.projectName}
              </p>
            </div>
            <Badge variant="outline">{artifact.type}</Badge>
          </div>
          <Badge variant={major ? 'destructive' : 'warning'} className="mt-3" data-testid="change-kind">
            <AlertTriangle className="h-3 w-3" aria-hidden />
            {kindLabel(artifact.difference, artifact.versionDifference)}
          </Badge>
        </div>

        <div className="grid grid-cols-[1fr_auto_1fr] items-center gap-2 rounded-lg border p-3" aria-label="Versions">
          <div className="min-w-0">
            <p className="text-xs text-muted-foreground">Deployed</p>
            <p className="truncate font-mono text-sm font-medium" data-testid="deployed-version">
              {current}
            </p>
          </div>
          <ArrowRight className="h-4 w-4 text-muted-foreground" aria-label="to" />
          <div className="min-w-0">
            <p className="text-xs text-muted-foreground">Upstream</p>
            <p className="truncate font-mono text-sm font-medium" data-testid="upstream-version">
              {available}
            </p>
          </div>
        </div>

        {artifact.versionDifference ? (
          <div className="rounded-lg bg-muted p-3">
            <p className="text-xs font-medium tracking-wide text-muted-foreground uppercase">Change</p>
            <p className="mt-1 text-sm">{artifact.versionDifference}</p>
          </div>
        ) : null}

        {major ? (
          <div role="alert" className="flex gap-2 rounded-lg border border-destructive/50 bg-destructive/10 p-3 text-destructive" data-testid="major-warning">
            <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
            <div>
              <p className="text-sm font-medium">Major version update</p>
              <p className="mt-1 text-xs">This update may include breaking changes. Review the changes before updating.</p>
            </div>
          </div>
        ) : null}

        <div>
          <p className="mb-1 text-xs font-medium text-muted-foreground">Update with</p>
          <div className="flex items-center gap-2 rounded-md border bg-muted p-2">
            <code id="update-command" className="min-w-0 flex-1 overflow-x-auto font-mono text-sm whitespace-nowrap" data-testid="update-command">
              {command}
            </code>
            <Button size="sm" variant="outline" onClick={copy} aria-label="Copy the update command">
              {copied ? <Check className="h-3 w-3" aria-hidden /> : <Copy className="h-3 w-3" aria-hidden />}
              {copied ? 'Copied' : 'Copy'}
            </Button>
          </div>
          <p className="mt-1 text-xs text-muted-foreground">Then redeploy it to {artifact.projectName} with skillmeat deploy.</p>
        </div>

        <DialogFooter>
          {compare ? (
            <a
              href={compare}
              target="_blank"
              rel="noreferrer"
              className="inline-flex h-9 items-center justify-center gap-2 rounded-md border px-4 text-sm font-medium hover:bg-accent"
              data-testid="compare-link"
            >
              <ExternalLink className="h-4 w-4" aria-hidden />
              Compare on GitHub
            </a>
          ) : null}
          <DialogClose asChild>
            <Button variant="outline">Close</Button>
          </DialogClose>
          {onUpdate ? (
            <Button onClick={onUpdate}>
              <Package className="h-4 w-4" aria-hidden />
              Update artifact
            </Button>
          ) : null}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  )
}
