/**
 * Maps `items` through `fn` with up to `concurrency` calls in flight, yielding
 * results in input order: the calls run ahead of a consumer that must see
 * keys sorted. `fn` should not reject; a rejection ends the iteration.
 */
export async function* mapOrdered<T, R>(items: Iterable<T>, concurrency: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const iterator = items[Symbol.iterator]();
  const queue: Array<Promise<R>> = [];
  const fill = (): void => {
    while (queue.length < concurrency) {
      const next = iterator.next();
      if (next.done === true) return;
      const pending = fn(next.value);
      // Results still queued when the consumer stops must not become unhandled rejections.
      pending.catch(() => undefined);
      queue.push(pending);
    }
  };
  fill();
  for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
    const result = await head;
    fill();
    yield result;
  }
}
