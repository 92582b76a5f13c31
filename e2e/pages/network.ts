import type { Locator, Page } from "@playwright/test";

/** The header's network choice and the chosen network's live status. */
export class NetworkBar {
  readonly selector: Locator;
  /** data-state: connected, unreachable. */
  readonly status: Locator;
  readonly blockNumber: Locator;

  constructor(readonly page: Page) {
    this.selector = page.getByTestId("network-selector");
    this.status = page.getByTestId("network-status");
    this.blockNumber = page.getByTestId("block-number");
  }
}
