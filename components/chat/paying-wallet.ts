import type { Network } from "@/lib/chains/networks";
import { getExternalSigner } from "@/lib/wallet/external-bridge";
import { walletSession } from "@/lib/wallet/session";
import { PaymentStopped } from "@/lib/x402/payer/paying-fetch";
import { readPayWith } from "@/lib/x402/payer/pay-with";
import { relayReader } from "@/lib/x402/payer/chain-reader";
import type { TabWallet } from "@/lib/x402/payer/tab-client";

/**
 * The wallet the user chose to pay with on this network, asked at each payment: the unlocked local key, or the
 * connected external wallet (one signature prompt per message; it signs for this network's chain only).
 */
export function payingSigner(network: Network) {
  if (readPayWith(window.localStorage, network.chainId) === "local") {
    // A key unlocked for another network is never used here.
    return walletSession.account(network.chainId);
  }
  const external = getExternalSigner(network.chainId);
  if (!external) {
    throw new PaymentStopped("wallet_locked", "You chose to pay with your connected wallet, and none is connected: connect it in the wallet menu, or pay with the local wallet.");
  }
  return external;
}

/** The paying wallet as a tab needs it: it signs (the session key's derivation, the deposit) and reads the channel. */
export function tabWallet(network: Network): TabWallet {
  const signer = payingSigner(network);
  if (!signer) throw new PaymentStopped("wallet_locked", "Unlock your wallet to open a tab.");
  const reader = relayReader(network.chainId);
  return {
    address: signer.address,
    signTypedData: (request) => signer.signTypedData(request),
    readContract: (args) => reader.readContract(args as Parameters<typeof reader.readContract>[0]),
  };
}
