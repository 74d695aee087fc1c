/** For tests of the AWS model: the ModelError an action throws (fails the test when it throws none). */
import { ModelError } from '../../lib/testing/model.js'

export function thrown(action: () => unknown): ModelError {
  try {
    action()
  } catch (error) {
    if (error instanceof ModelError) return error
    throw error
  }
  throw new Error('expected a ModelError')
}
