/**
 * The connected external wallet (MetaMask, Coinbase Wallet, WalletConnect…), for code that must not load wagmi:
 * the chat pays with it, while wagmi and RainbowKit load only when the user opens "Connect external wallet".
 * That code (components/wallet/external) publishes the connection here; the chat reads it and signs through it.
 */
import type { ClientEvmSigner } from "@x402/evm";
import { UserRejectedRequestError, type Address, type Hex } from "viem";
import { PaymentStopped } from "@/lib/x402/payer/paying-fetch";

type TypedDataRequest = Parameters<ClientEvmSigner["signTypedData"]>[0];

/** A client whose requests go to the wallet itself (viem's wallet client over the wallet's provider). */
export interface TypedDataWallet {
  /** The chain the wallet is on now, as the wallet says. */
  getChainId(): Promise<number>;
  /** One signature prompt in the wallet. */
  signTypedData(request: TypedDataRequest & { account: Address }): Promise<Hex>;
  /** One prompt to sign a plain message (EIP-191), e.g. the facilitator page's sign-in. */
  signMessage(request: { message: string; account: Address }): Promise<Hex>;
}

export interface ExternalWallet {
  address: Address;
  /** The chain the wallet was on when it last told us; the signer asks again before signing. */
  chainId: number;
  /** The wallet's name, as its connector gives it. */
  name: string;
  /** A client for this connection on `chainId`. */
  client(chainId: number): Promise<TypedDataWallet>;
}

let current: ExternalWallet | null = null;
const listeners = new Set<() => void>();

/** Called by the wagmi code on every change of the connection: null when no external wallet is connected. */
export function publishExternalWallet(wallet: ExternalWallet | null): void {
  current = wallet;
  for (const listener of listeners) listener();
}

export function subscribeExternalWallet(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The connected external wallet, or null; a new object on every change (a React snapshot). */
export function externalWalletSnapshot(): ExternalWallet | null {
  return current;
}

/** A payment signer over the connected external wallet for `chainId`, or null when none is connected. */
export function getExternalSigner(chainId: number): ClientEvmSigner | null {
  return current && chainBoundSigner(current, chainId);
}

/**
 * Signs typed data with the wallet only for `chainId`: the domain must name that chain and the wallet must be on
 * it when asked (a signature is valid wherever its domain says, and a wallet can switch chain at any time).
 * Anything that keeps the wallet from signing stops the payment with a PaymentStopped.
 */
export function chainBoundSigner(wallet: ExternalWallet, chainId: number): ClientEvmSigner {
  return {
    address: wallet.address,
    async signTypedData(request) {
      const domainChain = Number(request.domain.chainId);
      if (domainChain !== chainId) {
        throw new PaymentStopped("wallet_refused", `The payment names chain ${String(request.domain.chainId)}, not this network (${chainId}); nothing was signed.`);
      }
      try {
        const client = await wallet.client(chainId);
        const walletChain = await client.getChainId();
        if (walletChain !== chainId) {
          throw new PaymentStopped("wallet_refused", `Your wallet is on chain ${walletChain}, and this payment is on chain ${chainId}: switch the wallet's network to pay. Nothing was signed.`);
        }
        return await client.signTypedData({ ...request, account: wallet.address });
      } catch (err) {
        if (err instanceof PaymentStopped) throw err;
        if (declined(err)) throw new PaymentStopped("wallet_refused", "You declined the signature in your wallet; nothing was paid.");
        // wagmi's and viem's errors carry a one-line shortMessage beside a long message.
        const reason = (err as { shortMessage?: string }).shortMessage ?? (err instanceof Error ? err.message : String(err));
        throw new PaymentStopped("wallet_refused", `Your wallet did not sign (${reason}); nothing was paid.`);
      }
    },
  };
}

/** The user said no in the wallet (EIP-1193 code 4001), however deep the clients wrapped it. */
function declined(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === UserRejectedRequestError.code) return true;
  }
  return false;
}
