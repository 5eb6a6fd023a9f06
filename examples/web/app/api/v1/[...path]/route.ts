// Every /api/v1 cache route of SkillMeat's API, answered by @skillmeat/cache in this process.
import { cacheRoutes } from '@/lib/cache'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'

export const { GET, POST, HEAD, OPTIONS } = cacheRoutes()
