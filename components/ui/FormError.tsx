/** A form's error line, announced to screen readers; nothing while there is none. */
export function FormError({ testId, message, className }: { testId?: string; message: string | null; className?: string }) {
  if (!message) return null;
  return (
    <p role="alert" data-testid={testId} className={["text-sm text-red-700 dark:text-red-400", className].filter(Boolean).join(" ")}>
      {message}
    </p>
  );
}

/** The outcome of an action: a polite status when it worked, an alert (as FormError) when it did not. */
export function ActionResult({ testId, result }: { testId: string; result: { ok: boolean; text: string } | null }) {
  if (!result) return null;
  if (!result.ok) return <FormError testId={testId} message={result.text} className="break-all" />;
  return (
    <p role="status" data-testid={testId} className="break-all text-sm">
      {result.text}
    </p>
  );
}
