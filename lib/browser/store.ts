/**
 * One way to keep a value in localStorage and watch it from React. The value is parsed from the stored text and
 * cached by that text, so an unchanged store gives the very same value (what useSyncExternalStore needs, and no
 * re-render). Other tabs' writes arrive as `storage` events, which never fire in the tab that wrote: this tab's
 * own writes go through `update` (or `announce` after an asynchronous one) to tell its subscribers.
 */
import { useSyncExternalStore } from "react";

export interface LocalStore<A extends unknown[], T> {
  subscribe(onChange: () => void): () => void;
  /** The current value for these arguments (e.g. a chain id), in the browser. */
  snapshot(...args: A): T;
  /** The value while rendering on the server, where there is no storage. */
  serverSnapshot(): T;
  /** Writes through `write` and tells this tab's subscribers; returns what `write` returned. */
  update<R>(write: (storage: Storage) => R): R;
  /** Tells this tab's subscribers that the store changed (after a write that was not made through `update`). */
  announce(): void;
}

export function createLocalStore<A extends unknown[], T>(options: {
  key: (...args: A) => string;
  /** Never throws: whatever is stored, or nothing (null), gives a value. */
  parse: (raw: string | null, ...args: A) => T;
  server: T;
}): LocalStore<A, T> {
  const listeners = new Set<() => void>();
  const cache = new Map<string, { raw: string | null; value: T }>();
  const announce = () => {
    for (const listener of [...listeners]) listener();
  };
  return {
    subscribe(onChange) {
      listeners.add(onChange);
      window.addEventListener("storage", onChange);
      return () => {
        listeners.delete(onChange);
        window.removeEventListener("storage", onChange);
      };
    },
    snapshot(...args) {
      const key = options.key(...args);
      const raw = window.localStorage.getItem(key);
      const cached = cache.get(key);
      if (cached && cached.raw === raw) return cached.value;
      const value = options.parse(raw, ...args);
      cache.set(key, { raw, value });
      return value;
    },
    serverSnapshot: () => options.server,
    update(write) {
      try {
        return write(window.localStorage);
      } finally {
        announce(); // also after a failed write: it may have written part of what it meant to
      }
    },
    announce,
  };
}

/** The store's value for these arguments, live across tabs; its server value while rendering on the server. */
export function useLocalStore<A extends unknown[], T>(store: LocalStore<A, T>, ...args: A): T {
  return useSyncExternalStore(store.subscribe, () => store.snapshot(...args), store.serverSnapshot);
}

/** The storage a list store reads and writes (localStorage, or a stand-in in tests). */
export type KeyValue = Pick<Storage, "getItem" | "setItem">;

/** A stored JSON list, keeping the items `keep` accepts; never throws (unreadable text: no items). */
export function parseStoredList<T>(raw: string | null, keep: (item: unknown) => boolean): T[] {
  try {
    const parsed = JSON.parse(raw ?? "[]") as unknown;
    return Array.isArray(parsed) ? (parsed.filter(keep) as T[]) : [];
  } catch {
    return [];
  }
}
