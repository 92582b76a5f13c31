"use client";

import { memo } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

/*
 * An agent's reply as Markdown (GFM: lists, code, tables, links). react-markdown builds React elements from the
 * syntax tree and never injects HTML: raw HTML in a reply (an <img onerror>, a <script>) stays visible text, since
 * no rehype-raw is in the pipeline. Its default urlTransform drops javascript: and other unsafe link targets.
 * Each update re-parses the whole text, which suits streaming: an unclosed fence or list renders as text until
 * the rest arrives.
 */

const components: Components = {
  // Links leave the app: a new tab, no opener, no referrer.
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer" className="text-emerald-700 underline underline-offset-2 dark:text-emerald-400">
      {children}
    </a>
  ),
  // Images are not loaded from a reply (a tracking pixel, or a request the user did not ask for): the link instead.
  img: ({ src, alt }) =>
    typeof src === "string" ? (
      <a href={src} target="_blank" rel="noopener noreferrer" className="underline">
        {alt || src}
      </a>
    ) : null,
  p: ({ children }) => <p className="my-1 first:mt-0 last:mb-0">{children}</p>,
  ul: ({ children }) => <ul className="my-1 list-disc space-y-0.5 pl-5">{children}</ul>,
  ol: ({ children }) => <ol className="my-1 list-decimal space-y-0.5 pl-5">{children}</ol>,
  h1: ({ children }) => <h3 className="mt-2 text-base font-semibold">{children}</h3>,
  h2: ({ children }) => <h3 className="mt-2 text-base font-semibold">{children}</h3>,
  h3: ({ children }) => <h4 className="mt-2 font-semibold">{children}</h4>,
  h4: ({ children }) => <h4 className="mt-2 font-semibold">{children}</h4>,
  blockquote: ({ children }) => <blockquote className="my-1 border-l-2 border-zinc-300 pl-3 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">{children}</blockquote>,
  pre: ({ children }) => (
    // Focusable, like every region that may scroll: the keyboard can scroll it too.
    <pre tabIndex={0} className="my-2 overflow-x-auto rounded-md bg-zinc-100 p-2 font-mono text-xs dark:bg-zinc-800 [&>code]:bg-transparent [&>code]:p-0">{children}</pre>
  ),
  code: ({ children, className }) => <code className={["rounded bg-zinc-100 px-1 font-mono text-[0.85em] dark:bg-zinc-800", className].filter(Boolean).join(" ")}>{children}</code>,
  // Wide tables scroll inside the bubble instead of widening the page.
  table: ({ children }) => (
    <div tabIndex={0} className="my-2 max-w-full overflow-x-auto">
      <table className="border-collapse text-xs">{children}</table>
    </div>
  ),
  th: ({ children, style }) => <th style={style} className="border border-zinc-300 px-2 py-1 text-left font-semibold dark:border-zinc-700">{children}</th>,
  td: ({ children, style }) => <td style={style} className="border border-zinc-300 px-2 py-1 dark:border-zinc-700">{children}</td>,
};

const plugins = [remarkGfm];

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div data-testid="message-text" className="min-w-0 break-words">
      <ReactMarkdown remarkPlugins={plugins} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
