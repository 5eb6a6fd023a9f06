import { serverExternalPackages } from '@skillmeat/cache/next'

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The native addon (one package per platform) is loaded by Node, never bundled. The JS of
  // @skillmeat/cache is bundled, so that its React hooks share the app's React.
  serverExternalPackages,
  poweredByHeader: false,
  // Served on this machine (SkillMeat's web runs on localhost): compressing each page costs the
  // server more time than it saves on the loopback. Behind a reverse proxy, let the proxy compress.
  compress: false,
  // This app lives inside the package's repository, which has its own lockfile.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
}

export default nextConfig
