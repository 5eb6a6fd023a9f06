import { clsx, type ClassValue } from 'clsx'

/**
 * Joins class names (shadcn/ui's `cn`, without tailwind-merge: the components here never pass a
 * class that conflicts with their own, and merging would put 50 KB of JS on the page).
 */
export function cn(...inputs: ClassValue[]) {
  return clsx(inputs)
}
