/**
 * The in-browser wallet as a wagmi connector ("Local Wallet"), so code that signs through wagmi signs with the
 * unlocked key the same way it would with MetaMask. Its EIP-1193 provider answers accounts, chain and signing
 * from the session's account for the connector's current chain, and forwards everything else to the app's
 * read-only RPC relay (which refuses anything that is not a read). It sends no transactions.
 */
import { createConnector } from "wagmi";
import {
  ProviderRpcError,
  UnsupportedProviderMethodError,
  UserRejectedRequestError,
  getAddress,
  isAddressEqual,
  numberToHex,
  type EIP1193RequestFn,
  type Hex,
  type TypedDataDefinition,
} from "viem";
import type { WalletSession } from "./session";

export interface LocalConnectorOptions {
  session: WalletSession;
  /** URL of the read-only RPC relay for a chain. */
  rpcUrl: (chainId: number) => string;
  /** The chain to start on (the app's selected network). */
  chainId: number;
}

export const LOCAL_CONNECTOR_ID = "x402chat-local";

export function localWalletConnector({ session, rpcUrl, chainId: initialChainId }: LocalConnectorOptions) {
  let chainId = initialChainId;
  let unsubscribe: (() => void) | undefined;

  return createConnector((config) => {
    const accountsNow = () => {
      const account = session.account(chainId);
      return account ? [account.address] : [];
    };

    const request = (async ({ method, params }: { method: string; params?: unknown }) => {
      const args = (params ?? []) as unknown[];
      const account = session.account(chainId);
      const signer = () => {
        if (!account) throw new UserRejectedRequestError(new Error("The local wallet is locked"));
        return account;
      };
      const requireSelf = (from: unknown) => {
        if (typeof from !== "string" || !isAddressEqual(getAddress(from), signer().address)) {
          throw new ProviderRpcError(new Error(`Not this wallet's address: ${String(from)}`), { code: 4100, shortMessage: "Unauthorized" });
        }
      };
      switch (method) {
        case "eth_chainId":
          return numberToHex(chainId);
        case "eth_accounts":
          return accountsNow();
        case "eth_requestAccounts":
          return [signer().address];
        case "personal_sign": {
          requireSelf(args[1]);
          return signer().signMessage({ message: { raw: args[0] as Hex } });
        }
        case "eth_signTypedData_v4": {
          requireSelf(args[0]);
          const typed = (typeof args[1] === "string" ? JSON.parse(args[1]) : args[1]) as TypedDataDefinition & {
            types: Record<string, unknown>;
          };
          // A signature for another chain could be replayed there: only sign for the chain this key is unlocked on.
          const domainChain = typed.domain?.chainId;
          if (domainChain !== undefined && Number(domainChain) !== chainId) {
            throw new UserRejectedRequestError(new Error(`Typed data for chain ${domainChain}, wallet on ${chainId}`));
          }
          // viem derives the domain type itself and refuses it in `types`.
          const types = { ...typed.types };
          delete types.EIP712Domain;
          return signer().signTypedData({ ...typed, types } as TypedDataDefinition);
        }
        case "wallet_switchEthereumChain": {
          const next = Number((args[0] as { chainId: Hex }).chainId);
          if (!config.chains.some((c) => c.id === next)) throw new UnsupportedProviderMethodError(new Error(`Chain ${next}`));
          chainId = next;
          config.emitter.emit("change", { chainId, accounts: accountsNow() });
          return null;
        }
        case "eth_sendTransaction":
        case "eth_sign":
          throw new UnsupportedProviderMethodError(new Error(`${method} is not offered by the local wallet`));
        default:
          return forward(rpcUrl(chainId), method, args);
      }
    }) as EIP1193RequestFn;
    const provider = { request };

    return {
      id: LOCAL_CONNECTOR_ID,
      name: "Local Wallet",
      type: "local",
      async connect<withCapabilities extends boolean = false>(parameters?: { chainId?: number; withCapabilities?: withCapabilities }) {
        if (parameters?.chainId !== undefined) chainId = parameters.chainId;
        const accounts = (await request({ method: "eth_requestAccounts" })) as readonly `0x${string}`[];
        // Locking in the app disconnects the connector: a locked key must not look connected.
        unsubscribe?.();
        unsubscribe = session.subscribe(() => {
          const now = accountsNow();
          if (now.length === 0) config.emitter.emit("disconnect");
          else config.emitter.emit("change", { accounts: now });
        });
        return {
          accounts: (parameters?.withCapabilities ? accounts.map((address) => ({ address, capabilities: {} })) : accounts) as never,
          chainId,
        };
      },
      async disconnect() {
        unsubscribe?.();
        unsubscribe = undefined;
      },
      async getAccounts() {
        return accountsNow();
      },
      async getChainId() {
        return chainId;
      },
      async getProvider() {
        return provider;
      },
      // Never reconnected on its own: an unlocked key is connected only when the user picks it in the modal.
      async isAuthorized() {
        return false;
      },
      async switchChain({ chainId: next }) {
        await request({ method: "wallet_switchEthereumChain", params: [{ chainId: numberToHex(next) }] });
        return config.chains.find((c) => c.id === next)!;
      },
      onAccountsChanged(accounts) {
        config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chain) {
        config.emitter.emit("change", { chainId: Number(chain) });
      },
      onDisconnect() {
        config.emitter.emit("disconnect");
      },
    };
  });
}

async function forward(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error) throw new ProviderRpcError(new Error(body.error.message), { code: body.error.code, shortMessage: body.error.message });
  return body.result;
}
