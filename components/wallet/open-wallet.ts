/**
 * Opens the header's wallet panel from anywhere on the page (the first-steps guide, an error's action): the panel's
 * open state lives in WalletArea, which listens for this event.
 */
export const OPEN_WALLET_EVENT = "x402chat:open-wallet";

export function openWalletPanel(): void {
  window.dispatchEvent(new Event(OPEN_WALLET_EVENT));
}
