/**
 * Assigns an own enumerable property, also for the key `__proto__` (which
 * `obj[k] = v` would turn into a prototype change). Used wherever keys come
 * from log data.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}
