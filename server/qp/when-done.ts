// A statement's parts answer at once or, when it ran in slices (executor.ts PAUSE), later: one
// way to go on from either, without a promise for the nearly every statement that needs none.

/** `then(value)` at once when `value` is not a promise, else once it resolves. */
export function whenDone<T, U>(value: T | Promise<T>, then: (value: T) => U): U | Promise<U> {
  return value instanceof Promise ? value.then(then) : then(value)
}
