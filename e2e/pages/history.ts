import type { Locator, Page } from "@playwright/test";

/** The payment history page, reached from the header's link. */
export class HistoryPage {
  readonly root: Locator;
  /** data-status: settled, unconfirmed, … */
  readonly rows: Locator;
  readonly tx: Locator;
  readonly status: Locator;
  readonly spent: Locator;
  readonly toolCalls: Locator;

  constructor(readonly page: Page) {
    const id = (testId: string) => page.getByTestId(testId);
    this.root = id("history");
    this.rows = id("history-row");
    this.tx = id("history-tx");
    this.status = id("history-status");
    this.spent = id("stat-spent");
    this.toolCalls = id("stat-tools");
  }

  async open() {
    await this.page.getByTestId("history-link").click();
  }
}
