"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";

const FOCUSABLE = "[autofocus], button, input, select, textarea, a[href], [tabindex]:not([tabindex='-1'])";

/**
 * A modal question on the native <dialog> (showModal): the page behind is inert, the dialog is announced
 * with its title. On open the first control (or one marked autoFocus) takes the focus, else the dialog itself;
 * Escape calls onClose; when it closes the focus goes back where it was. Shown while mounted.
 */
export function Dialog(props: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  testId?: string;
  /** data-* attributes for the dialog element, e.g. { "data-kind": "over-policy" }. */
  data?: Record<`data-${string}`, string>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onClose = useRef(props.onClose);
  useEffect(() => {
    onClose.current = props.onClose;
  });

  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    // Chromium focuses the first control itself; this makes it so in every browser, and falls back to the dialog.
    const first = dialog.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? dialog).focus();
    // Escape: the browser would close the dialog behind React's back; the owner decides instead.
    const cancel = (event: Event) => {
      event.preventDefault();
      onClose.current();
    };
    // Closed anyway (a browser may skip "cancel" on a repeated Escape): the owner hears of it too.
    const closed = () => onClose.current();
    dialog.addEventListener("cancel", cancel);
    dialog.addEventListener("close", closed);
    return () => {
      dialog.removeEventListener("cancel", cancel);
      dialog.removeEventListener("close", closed);
      dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      tabIndex={-1}
      aria-labelledby={titleId}
      data-testid={props.testId}
      {...props.data}
      className="m-auto w-full max-w-md rounded-lg bg-white p-5 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <h2 id={titleId} className="mb-2 text-base font-semibold">
        {props.title}
      </h2>
      {props.children}
    </dialog>
  );
}
