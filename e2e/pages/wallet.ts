import { expect, type Locator, type Page } from "@playwright/test";
import type { Address, Hex } from "viem";
import { storageKeys } from "../../lib/browser/keys";
import { NETWORKS } from "../../lib/chains/networks";
import { ANVIL_ACCOUNT_2 } from "../support/chain";

export const PASSWORD = "e2e password one";
/** Where the local network's encrypted wallet is stored. */
export const LOCAL_VAULT_KEY = storageKeys.vault(NETWORKS.local.chainId);

/** The in-browser wallet: the area in the header, its panel, forms and balances. */
export class WalletPage {
  /** data-state: empty, locked, unlocked, corrupt, unknown-version; data-chain-id. */
  readonly area: Locator;
  readonly panel: Locator;
  readonly address: Locator;
  readonly qr: Locator;
  /** The balance shown; data-atomic holds it in atomic units. */
  readonly usdc: Locator;
  readonly eth: Locator;
  readonly faucetButton: Locator;
  readonly faucetMessage: Locator;
  readonly lockButton: Locator;
  readonly unlockError: Locator;
  readonly importPassword: Locator;
  readonly importSubmit: Locator;
  readonly importError: Locator;
  readonly vaultBroken: Locator;
  readonly vaultReset: Locator;
  readonly vaultRawDownload: Locator;
  readonly externalWallets: Locator;
  readonly externalUsdc: Locator;
  readonly fundAmount: Locator;
  readonly fundSubmit: Locator;
  readonly fundStatus: Locator;

  constructor(readonly page: Page) {
    const id = (testId: string) => page.getByTestId(testId);
    this.area = id("wallet-area");
    this.panel = id("wallet-panel");
    this.address = id("wallet-address");
    this.qr = id("wallet-qr");
    this.usdc = id("balance-usdc");
    this.eth = id("balance-eth");
    this.faucetButton = id("faucet-button");
    this.faucetMessage = id("faucet-message");
    this.lockButton = id("wallet-lock");
    this.unlockError = id("unlock-error");
    this.importPassword = id("import-file-password");
    this.importSubmit = id("import-submit");
    this.importError = id("import-error");
    this.vaultBroken = id("vault-broken");
    this.vaultReset = id("vault-reset");
    this.vaultRawDownload = id("vault-raw-download");
    this.externalWallets = id("external-wallets");
    this.externalUsdc = id("external-usdc");
    this.fundAmount = id("fund-amount");
    this.fundSubmit = id("fund-submit");
    this.fundStatus = id("fund-status");
  }

  async open() {
    await this.page.getByTestId("wallet-toggle").click();
    await expect(this.panel).toBeVisible();
  }

  async close() {
    await this.page.getByTestId("wallet-toggle").click();
    await expect(this.panel).toBeHidden();
  }

  /** Creates a wallet from the empty state and returns its address. */
  async create(password = PASSWORD): Promise<Address> {
    await this.open();
    await this.page.getByTestId("create-password").fill(password);
    await this.page.getByTestId("create-confirm").fill(password);
    await this.page.getByTestId("create-submit").click();
    await expect(this.area).toHaveAttribute("data-state", "unlocked");
    return (await this.address.textContent()) as Address;
  }

  /** Asks the faucet for test funds and waits until the wallet shows them (10 USDC). */
  async getTestFunds() {
    await this.faucetButton.click();
    await expect(this.faucetMessage).toHaveText("Sent 10 USDC and 0.01 ETH");
    await expect(this.usdc).toHaveAttribute("data-atomic", "10000000");
  }

  /** The common start of a paying spec: the home page, a new wallet with test funds, the panel closed. */
  async startFunded(): Promise<Address> {
    await this.page.goto("/");
    const address = await this.create();
    await this.getTestFunds();
    await this.close();
    return address;
  }

  async unlock(password: string) {
    await this.page.getByTestId("unlock-password").fill(password);
    await this.page.getByTestId("unlock-submit").click();
  }

  /** Decrypts again through the export form and returns the revealed key and the downloaded keystore file. */
  async export(password = PASSWORD) {
    await this.page.getByTestId("export-open").click();
    await this.page.getByTestId("export-password").fill(password);
    await this.page.getByTestId("export-submit").click();
    const downloading = this.page.waitForEvent("download");
    await this.page.getByTestId("export-download").click();
    const download = await downloading;
    const keystorePath = await download.path();
    await this.page.getByTestId("export-reveal").click();
    const privateKey = (await this.page.getByTestId("export-private-key").textContent()) as Hex;
    return { privateKey, keystorePath, filename: download.suggestedFilename() };
  }

  /** Opens the import tab and chooses a keystore file; the password and submit are the test's. */
  async chooseKeystore(keystorePath: string) {
    await this.page.getByTestId("tab-import").click();
    await this.page.getByTestId("import-file").setInputFiles(keystorePath);
  }

  /** Offers wagmi's mock connector as "E2E mock wallet" on `address` (the flag the app's wagmi config reads). */
  async enableMockWallet(address: Address = ANVIL_ACCOUNT_2) {
    await this.page.addInitScript(
      ([key, value]) => window.localStorage.setItem(key, value),
      [storageKeys.e2eMockWallet, JSON.stringify({ address, rpcUrl: process.env.E2E_ANVIL_RPC_URL })] as const,
    );
  }

  /** From the open wallet panel, loads the external wallets and opens RainbowKit's connect modal. */
  async openConnectModal() {
    await this.page.getByTestId("external-open").click();
    await this.externalWallets.getByRole("button", { name: "Connect Wallet" }).click();
    await expect(this.connectOption("coinbase")).toBeVisible();
  }

  /** A wallet offered in RainbowKit's connect modal: e2e-mock, coinbase, injected. */
  connectOption(walletId: string): Locator {
    return this.page.getByTestId(`rk-wallet-option-${walletId}`);
  }
}
