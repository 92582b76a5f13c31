import type { ComponentProps } from "react";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";
export type ButtonSize = "sm" | "md";

const base = "rounded-md disabled:cursor-not-allowed disabled:opacity-50";

const variants: Record<ButtonVariant, string> = {
  // The one colour of the main action: send, pay, create, unlock.
  primary: "bg-emerald-700 font-medium text-white hover:bg-emerald-800 disabled:hover:bg-emerald-700",
  // aria-pressed / aria-checked: tabs and choice buttons show which one is on.
  secondary:
    "border border-zinc-300 hover:bg-zinc-100 aria-checked:bg-zinc-100 aria-pressed:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800 dark:aria-checked:bg-zinc-800 dark:aria-pressed:bg-zinc-800",
  danger: "border border-red-300 text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-400 dark:hover:bg-red-950",
  ghost: "text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100",
};

const sizes: Record<ButtonSize, string> = {
  sm: "px-2 py-1 text-xs",
  md: "px-3 py-1.5 text-sm",
};

/** The classes of a button, for the rare element that must look like one without being a Button. */
export function buttonClass(variant: ButtonVariant = "secondary", size: ButtonSize = "md", extra = ""): string {
  return [base, variants[variant], variant === "ghost" ? "" : sizes[size], extra].filter(Boolean).join(" ");
}

/**
 * The app's button. `type` stays the browser's default (submit inside a form), so a form's button submits it
 * as before; give `type="button"` to anything else inside a form.
 */
export function Button({
  variant = "secondary",
  size = "md",
  className,
  ...props
}: ComponentProps<"button"> & { variant?: ButtonVariant; size?: ButtonSize }) {
  return <button className={buttonClass(variant, size, className)} {...props} />;
}
