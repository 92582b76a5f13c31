import { expect, type Locator, type Page } from "@playwright/test";

/** The shipped market agent and where its payments go. */
export const MARKET = "00000000-0000-0000-0000-000000000001";
export const MARKET_PAY_TO = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

/** The home page's chat: agents, the composer, replies with their receipts, and pasted agent URLs. */
export class ChatPage {
  readonly agentName: Locator;
  readonly input: Locator;
  readonly sendButton: Locator;
  readonly toolCalls: Locator;
  /** The assistant's text, in every reply. */
  readonly assistantText: Locator;
  readonly usage: Locator;
  /** data-success, data-status; its text says what was paid. */
  readonly receipt: Locator;
  readonly receiptTx: Locator;
  readonly receiptClaimedTx: Locator;
  /** data-kind: policy, locked, … */
  readonly error: Locator;
  /** data-kind: over-policy, … */
  readonly approvalDialog: Locator;
  readonly approvalRefuse: Locator;
  /** The choice of payer; data-payer: local or external. */
  readonly payWith: Locator;
  readonly payWithLocal: Locator;
  readonly payWithExternal: Locator;
  readonly maxPerMessage: Locator;
  /** The spending limits; data-state: saved, or unsaved while a field holds no amount. */
  readonly policy: Locator;
  /** data-payable. */
  readonly probeResult: Locator;
  readonly probePrice: Locator;
  readonly conversations: Locator;

  constructor(readonly page: Page) {
    const id = (testId: string) => page.getByTestId(testId);
    this.agentName = id("chat-agent-name");
    this.input = id("composer-input");
    this.sendButton = id("composer-send");
    this.toolCalls = id("tool-call");
    this.assistantText = id("message-assistant").getByTestId("message-text");
    this.usage = id("message-usage");
    this.receipt = id("receipt");
    this.receiptTx = id("receipt-tx");
    this.receiptClaimedTx = id("receipt-claimed-tx");
    this.error = id("chat-error");
    this.approvalDialog = id("approval-dialog");
    this.approvalRefuse = id("approval-refuse");
    this.payWith = id("pay-with");
    this.payWithLocal = id("pay-with-local");
    this.payWithExternal = id("pay-with-external");
    this.maxPerMessage = id("policy-maxPerMessage");
    this.policy = id("policy-settings");
    this.probeResult = id("probe-result");
    this.probePrice = id("probe-price");
    this.conversations = id("conversation-item");
  }

  agentCard(agentId = MARKET): Locator {
    return this.page.getByTestId(`agent-card-${agentId}`);
  }

  /** Opens an agent's chat from its card. */
  async openAgent(agentId = MARKET) {
    await this.agentCard(agentId).click();
  }

  async send(text: string) {
    await this.input.fill(text);
    await this.sendButton.click();
  }

  /** Types a per-message cap (USDC) in the spending policy, which saves it as it is typed. */
  async setMaxPerMessage(usdc: string) {
    await this.maxPerMessage.fill(usdc);
    await expect(this.policy).toHaveAttribute("data-state", "saved");
  }

  /** Pastes an agent's URL and probes it; the result shows in `probeResult`. */
  async probe(url: string) {
    await this.page.getByTestId("agent-url-input").fill(url);
    await this.page.getByTestId("agent-url-probe").click();
  }

  /** Chats with the agent just probed. */
  async useProbed() {
    await this.page.getByTestId("probe-use").click();
  }
}
