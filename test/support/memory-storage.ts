/** An in-memory stand-in for window.localStorage / sessionStorage (the Web Storage API), for tests in Node. */
export class MemoryStorage implements Storage {
  readonly items = new Map<string, string>();
  [name: string]: unknown;

  get length() {
    return this.items.size;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  clear() {
    this.items.clear();
  }
}
