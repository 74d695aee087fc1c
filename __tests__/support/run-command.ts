/** Running a tool or a child Node from a test (the package tests: npm, tsc, attw, a bundle). */
import { execFile } from 'node:child_process'

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

/**
 * This process's environment for a child tool: without NODE_OPTIONS, which carries jest's
 * --experimental-vm-modules, and without colours (publint colours its output when CI is set).
 */
export function toolEnv(): NodeJS.ProcessEnv {
  const { FORCE_COLOR: _, ...inherited } = process.env
  return { ...inherited, NODE_OPTIONS: '', NO_COLOR: '1' }
}

/** Runs a command to its end and never rejects: the checks look at the exit code themselves. */
export function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = toolEnv()): Promise<Ran> {
  return new Promise((done) => {
    execFile(file, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      done({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}
