import type { HTMLAttributes } from "react";

export type NoticeTone = "warning" | "error" | "success";

const tones: Record<NoticeTone, string> = {
  warning: "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100",
  error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
  success: "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950",
};

/** A boxed message: a warning, an error, or a success (a paid receipt). */
export function noticeClass(tone: NoticeTone, extra = ""): string {
  return ["rounded-md border px-3 py-2 text-sm", tones[tone], extra].filter(Boolean).join(" ");
}

export function Notice({ tone, className, ...props }: HTMLAttributes<HTMLDivElement> & { tone: NoticeTone }) {
  return <div className={noticeClass(tone, className)} {...props} />;
}
