"use client";

import { useState, type FormEvent } from "react";

/**
 * A form's submit: busy while `run` works; its thrown error's message, or the problem it returns (a check that
 * failed before any work), becomes the form's error line.
 */
export function useFormSubmit(run: () => Promise<string | void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const problem = await run();
      if (problem) setError(problem);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}
