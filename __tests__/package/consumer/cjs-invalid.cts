// Each line marked `expect TSnnnn` must fail with that error code, and no other line may fail.
import { secret, secrets } from 'middy-secrets'

export async function makeHandler() {
  const { default: middy } = await import('@middy/core')
  return middy()
    .use(secrets({ context: { db: secret<{ username: string }>('x', { transform: 'json' }) } }))
    .handler(async (_event: unknown, context) => {
      void context.nope // expect TS2339: not a declared key, not a Lambda context property
      const b: number = context.db.username // expect TS2322: username is a string
      return b
    })
}

export const typo = secret('x', { ttl: 60, transfrom: 'json' }) // expect TS2769: misspelled beside a valid option (no overload matches; each says "Did you mean to write 'transform'?")
