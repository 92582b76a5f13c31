import { expect, type Locator, type Page } from "@playwright/test";

/** The home page's frame: the header, the first-steps guide, the scrolling message list and the side panel. */
export class Layout {
  readonly header: Locator;
  readonly sidePanel: Locator;
  readonly messages: Locator;
  readonly jumpToLatest: Locator;
  readonly guide: Locator;
  /** The guide's highlighted step's button: "Create a wallet", "Get test funds", … */
  readonly guideAction: Locator;
  readonly walletToggle: Locator;
  /** The failed message's fix: "Create a wallet", "Unlock the wallet", "Open the wallet". */
  readonly errorAction: Locator;

  constructor(readonly page: Page) {
    const id = (testId: string) => page.getByTestId(testId);
    this.header = page.locator("header");
    this.sidePanel = id("side-panel");
    this.messages = id("messages");
    this.jumpToLatest = id("jump-to-latest");
    this.guide = id("getting-started");
    this.guideAction = id("getting-started-action");
    this.walletToggle = id("wallet-toggle");
    this.errorAction = id("chat-error-action");
  }

  /** A step of the guide (wallet, funds, agent); data-state: done, current, todo. */
  step(name: "wallet" | "funds" | "agent"): Locator {
    return this.page.getByTestId(`getting-started-${name}`);
  }

  /** Expects exactly this step to be the highlighted one. */
  async expectCurrentStep(name: "wallet" | "funds" | "agent") {
    await expect(this.step(name)).toHaveAttribute("data-state", "current");
    await expect(this.step(name)).toHaveAttribute("aria-current", "step");
    await expect(this.page.locator("[aria-current=step]")).toHaveCount(1);
  }

  /** Scrolls the message list up with the mouse wheel, as a user reading back would, until it is at the top. */
  async scrollMessagesToTop() {
    await this.messages.hover();
    await this.page.mouse.wheel(0, -10_000);
    await expect.poll(() => this.messages.evaluate((el) => el.scrollTop)).toBe(0);
  }
}
