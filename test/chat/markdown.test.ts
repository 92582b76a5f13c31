import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Markdown } from "@/components/chat/Markdown";

const render = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe("a reply rendered as Markdown", () => {
  it("shows raw HTML in a reply as text, never as elements", () => {
    const html = render('Look: <img src=x onerror="alert(1)"> and <script>alert(2)</script>\n\n<div onclick="x()">block</div>');
    expect(html).not.toMatch(/<img|<script|<div onclick/i);
    // The words are still there, escaped, for the user to see.
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(html).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
    expect(html).toContain("&lt;div onclick=&quot;x()&quot;&gt;block&lt;/div&gt;");
  });

  it("drops javascript: link targets and does not load images", () => {
    const html = render("[click](javascript:alert(1)) ![pixel](https://tracker.example/p.gif)");
    expect(html).not.toContain("javascript:");
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('href="https://tracker.example/p.gif"');
  });

  it("renders lists, code, tables and links; links open in a new tab without opener or referrer", () => {
    const html = render(
      ["- one", "- two", "", "```ts", "const a = 1;", "```", "", "| pair | price |", "| --- | ---: |", "| ETH/USD | $3,000.00 |", "", "[docs](https://x402.org)"].join("\n"),
    );
    expect(html).toMatch(/<ul[^>]*>\s*<li>one<\/li>\s*<li>two<\/li>/);
    expect(html).toMatch(/<pre[^>]*><code[^>]*class="[^"]*language-ts[^"]*"[^>]*>const a = 1;/);
    expect(html).toMatch(/<table[^>]*>.*<th[^>]*>pair<\/th>.*<td[^>]*>ETH\/USD<\/td>/s);
    expect(html).toContain('<a href="https://x402.org" target="_blank" rel="noopener noreferrer"');
  });
});
