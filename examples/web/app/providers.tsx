'use client'
import { useState, type ReactNode } from 'react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { CacheClientProvider } from '@skillmeat/cache/react'
import { TooltipProvider } from '@/components/ui/tooltip'

/** One QueryClient per browser tab; the cache API on this origin (or NEXT_PUBLIC_SKILLMEAT_API). */
export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 30_000 } } }))
  return (
    <QueryClientProvider client={queryClient}>
      <CacheClientProvider baseUrl={process.env.NEXT_PUBLIC_SKILLMEAT_API || '/api/v1'}>
        <TooltipProvider delayDuration={200}>{children}</TooltipProvider>
      </CacheClientProvider>
    </QueryClientProvider>
  )
}
