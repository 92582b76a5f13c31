import type { InputHTMLAttributes, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

/** Layout (width, alignment, font) comes from the caller's className; border, colours and padding from here. */
function fieldClass(large: boolean | undefined, extra: string | undefined): string {
  return [
    "rounded-md border border-zinc-300 bg-white text-sm dark:border-zinc-700 dark:bg-zinc-900",
    large ? "px-3 py-2" : "px-2 py-1",
    extra,
  ]
    .filter(Boolean)
    .join(" ");
}

type Sized = { large?: boolean };

export function Input({ large, className, ...props }: InputHTMLAttributes<HTMLInputElement> & Sized) {
  return <input className={fieldClass(large, className)} {...props} />;
}

export function Select({ large, className, ...props }: SelectHTMLAttributes<HTMLSelectElement> & Sized) {
  return <select className={fieldClass(large, className)} {...props} />;
}

export function TextArea({ large, className, ...props }: TextareaHTMLAttributes<HTMLTextAreaElement> & Sized) {
  return <textarea className={fieldClass(large, className)} {...props} />;
}
