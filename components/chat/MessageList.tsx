"use client";

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";

/** How close to the bottom (px) still counts as "at the latest message". */
const NEAR_BOTTOM = 48;

/**
 * The conversation's scrolling list. It follows the stream (new messages, a reply growing) while the user is at
 * the bottom; once they scroll up it stays where they are and offers "Jump to latest". Sending a message
 * (`followKey` changes: the last user message's id) follows again.
 */
export function MessageList({ followKey, children }: { followKey: string | undefined; children: ReactNode }) {
  const list = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  // A ref, not state: the scroll handler and the resize observer read it between renders.
  const following = useRef(true);
  const [away, setAway] = useState(false);

  const toBottom = useCallback(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, []);

  const follow = useCallback(() => {
    following.current = true;
    setAway(false);
    toBottom();
  }, [toBottom]);

  // Whatever makes the content taller (a chunk of text, a tool card, a receipt, an opened section) while following
  // keeps the latest line in view.
  useEffect(() => {
    const observer = new ResizeObserver(() => {
      if (following.current) toBottom();
    });
    if (content.current) observer.observe(content.current);
    if (list.current) observer.observe(list.current);
    return () => observer.disconnect();
  }, [toBottom]);

  // A message just sent: follow again (the scroll this makes clears "away").
  useLayoutEffect(() => {
    following.current = true;
    toBottom();
  }, [followKey, toBottom]);

  // Only a scroll up leaves the bottom: a scroll event can arrive after the content grew again (a fast stream), and
  // judging by the distance alone would then stop following although the user did nothing.
  const lastTop = useRef(0);
  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= NEAR_BOTTOM;
    if (atBottom) following.current = true;
    else if (el.scrollTop < lastTop.current) following.current = false;
    lastTop.current = el.scrollTop;
    setAway(!following.current);
  };

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <div
        ref={list}
        data-testid="messages"
        onScroll={onScroll}
        // Focusable so the keyboard can scroll it too.
        tabIndex={0}
        aria-label="Messages"
        className="min-h-0 flex-1 overflow-y-auto overscroll-contain focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-emerald-600"
      >
        <div ref={content} className="flex flex-col gap-3 p-4">
          {children}
        </div>
      </div>
      {away && (
        <button
          type="button"
          data-testid="jump-to-latest"
          onClick={follow}
          className="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full border border-zinc-300 bg-white px-3 py-1 text-xs shadow-md hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
        >
          Jump to latest ↓
        </button>
      )}
    </div>
  );
}
