import type { HTMLAttributes } from "react";

export type NoticeTone = "warning" | "error";

const tones: Record<NoticeTone, string> = {
  warning: "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100",
  error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
};

/** A boxed message: a warning or an error. */
export function noticeClass(tone: NoticeTone, extra = ""): string {
  return ["rounded-md border px-3 py-2 text-sm", tones[tone], extra].filter(Boolean).join(" ");
}

export function Notice({ tone, className, ...props }: HTMLAttributes<HTMLDivElement> & { tone: NoticeTone }) {
  return <div className={noticeClass(tone, className)} {...props} />;
}
