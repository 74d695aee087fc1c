/**
 * Preloaded with `node --import ./hooks/register.mjs`: registers a resolve hook that appends
 * every resolved URL to the file named by BENCH_HOOK_LOG (the hook runs on the loader thread;
 * a file needs no message passing). CommonJS `require` calls do not go through these hooks on
 * Node 20; the child checks require.cache for those.
 */
import { register } from 'node:module'

register('./record.mjs', import.meta.url, { data: { log: process.env.BENCH_HOOK_LOG } })
