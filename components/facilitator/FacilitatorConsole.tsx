"use client";

import { createSIWxPayload, type CompleteSIWxInfo, type EVMSigner } from "@x402/extensions/sign-in-with-x";
import { useCallback, useEffect, useState, useSyncExternalStore, type FormEvent } from "react";
import { formatEther } from "viem";
import { useNetwork } from "@/components/network/NetworkProvider";
import { Button } from "@/components/ui/Button";
import { ActionResult, FormError } from "@/components/ui/FormError";
import { Input } from "@/components/ui/Input";
import { useUnlockedAddress } from "@/components/wallet/useSession";
import { formatUsdc } from "@/lib/chains/usdc";
import { externalWalletSnapshot, subscribeExternalWallet } from "@/lib/wallet/external-bridge";
import { walletSession } from "@/lib/wallet/session";
import type { FacilitatorKeyView } from "@/lib/x402/shared/facilitator-key";

/**
 * The /facilitator page: a seller signs in with their wallet (sign-in-with-x), then creates, names and revokes
 * API keys for our facilitator and sees each key's usage. The local wallet signs without a prompt; a connected
 * external wallet shows one signature prompt.
 */

const SESSION_URL = "/api/facilitator/keys/session";
const KEYS_URL = "/api/facilitator/keys";
const json = { "content-type": "application/json" };

/** The server's `{error:{message}}`, or the status when there is none. */
async function failure(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The server answered ${res.status}.`;
}

async function signIn(chainId: number, signer: EVMSigner): Promise<string> {
  const challenge = await fetch(`${SESSION_URL}/challenge`, { method: "POST", headers: json, body: JSON.stringify({ chainId }) });
  if (!challenge.ok) throw new Error(await failure(challenge));
  const { info } = (await challenge.json()) as { info: CompleteSIWxInfo };
  // The SDK checks that the challenge names this page's origin before anything is signed.
  const payload = await createSIWxPayload(info, signer, window.location.href);
  const res = await fetch(SESSION_URL, { method: "POST", headers: json, body: JSON.stringify(payload) });
  if (!res.ok) throw new Error(await failure(res));
  return ((await res.json()) as { address: string }).address;
}

export function FacilitatorConsole() {
  const { network } = useNetwork();
  const localAddress = useUnlockedAddress(network.chainId);
  const external = useSyncExternalStore(subscribeExternalWallet, externalWalletSnapshot, () => null);
  // undefined while the session is asked for.
  const [address, setAddress] = useState<string | null | undefined>(undefined);
  const [signInError, setSignInError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    fetch(SESSION_URL)
      .then((res) => (res.ok ? (res.json() as Promise<{ address: string | null }>) : { address: null }))
      .then((body) => live && setAddress(body.address), () => live && setAddress(null));
    return () => {
      live = false;
    };
  }, []);

  const signInWith = async (signer: EVMSigner) => {
    setBusy(true);
    setSignInError(null);
    try {
      setAddress(await signIn(network.chainId, signer));
    } catch (err) {
      setSignInError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const signInLocal = () => {
    const account = walletSession.account(network.chainId);
    if (!account) return setSignInError("Unlock your wallet first.");
    return signInWith(account);
  };

  const signInExternal = async () => {
    if (!external) return;
    const client = await external.client(network.chainId);
    return signInWith({ address: external.address, signMessage: ({ message }) => client.signMessage({ message, account: external.address }) });
  };

  const signOut = async () => {
    await fetch(SESSION_URL, { method: "DELETE" });
    setAddress(null);
  };

  if (address === undefined) return <p className="text-sm text-zinc-500">Loading…</p>;

  if (!address) {
    return (
      <section data-testid="facilitator-signin" className="flex max-w-xl flex-col gap-3">
        <p className="text-sm">
          Sign in with the wallet that receives your payments. Your keys settle payments to that address only, and only you
          see their usage.
        </p>
        <div className="flex flex-wrap gap-2">
          <Button variant="primary" data-testid="signin-local" disabled={busy || !localAddress} onClick={() => void signInLocal()}>
            {localAddress ? `Sign in as ${localAddress.slice(0, 6)}…${localAddress.slice(-4)}` : "Unlock your wallet to sign in"}
          </Button>
          {external && (
            <Button data-testid="signin-external" disabled={busy} onClick={() => void signInExternal()}>
              Sign in with {external.name}
            </Button>
          )}
        </div>
        <FormError testId="signin-error" message={signInError} />
      </section>
    );
  }

  return <KeysPanel address={address} onSignOut={() => void signOut()} />;
}

function KeysPanel({ address, onSignOut }: { address: string; onSignOut: () => void }) {
  const [keys, setKeys] = useState<FacilitatorKeyView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ key: string; facilitatorUrl: string } | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const load = useCallback(async () => {
    const res = await fetch(KEYS_URL);
    if (!res.ok) return setError(await failure(res));
    setError(null);
    setKeys(((await res.json()) as { keys: FacilitatorKeyView[] }).keys);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- the list is the server's; it loads once here.
    void load();
  }, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const res = await fetch(KEYS_URL, { method: "POST", headers: json, body: JSON.stringify({ name }) });
    if (!res.ok) return setResult({ ok: false, text: await failure(res) });
    setCreated((await res.json()) as { key: string; facilitatorUrl: string });
    setResult(null);
    setName("");
    await load();
  };

  const revoke = async (key: FacilitatorKeyView) => {
    const res = await fetch(`${KEYS_URL}/${key.id}`, { method: "DELETE" });
    setResult(res.ok ? { ok: true, text: `Revoked “${key.name}”.` } : { ok: false, text: await failure(res) });
    await load();
  };

  return (
    <section className="flex flex-col gap-4" data-testid="facilitator-keys">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span>
          Signed in as <code data-testid="facilitator-address">{address}</code>
        </span>
        <Button size="sm" variant="ghost" data-testid="signout" onClick={onSignOut}>
          Sign out
        </Button>
      </div>

      <form onSubmit={(e) => void create(e)} className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-1 text-sm">
          Key name
          <Input data-testid="key-name" value={name} maxLength={60} required onChange={(e) => setName(e.target.value)} placeholder="my shop" />
        </label>
        <Button variant="primary" data-testid="key-create">
          Create key
        </Button>
      </form>

      {created && (
        <div data-testid="key-created" className="flex flex-col gap-1 rounded-md border border-emerald-300 p-3 text-sm dark:border-emerald-800">
          <p>Your facilitator URL. It holds the key, which is shown only now: copy it into your x402 middleware.</p>
          <code data-testid="key-url" className="break-all">
            {created.facilitatorUrl}
          </code>
        </div>
      )}
      <ActionResult testId="key-result" result={result} />
      <FormError testId="keys-error" message={error} />

      <div className="flex items-center gap-2">
        <h2 className="font-semibold">Your keys</h2>
        <Button size="sm" data-testid="keys-refresh" onClick={() => void load()}>
          Refresh
        </Button>
      </div>
      {keys && keys.length === 0 && <p className="text-sm text-zinc-500">No keys yet.</p>}
      {keys && keys.length > 0 && (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b border-zinc-200 dark:border-zinc-800">
                <th className="py-1 pr-3">Name</th>
                <th className="py-1 pr-3">Key</th>
                <th className="py-1 pr-3">Verifications</th>
                <th className="py-1 pr-3">Settlements</th>
                <th className="py-1 pr-3">Volume</th>
                <th className="py-1 pr-3">Gas spent</th>
                <th className="py-1 pr-3">Status</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-testid="key-row" data-key-id={key.id} className="border-b border-zinc-100 dark:border-zinc-900">
                  <td className="py-1 pr-3" data-testid="key-row-name">{key.name}</td>
                  <td className="py-1 pr-3 font-mono">{key.keyPrefix}…</td>
                  <td className="py-1 pr-3" data-testid="key-verifications">{key.verifications}</td>
                  <td className="py-1 pr-3" data-testid="key-settlements">{key.settlements}</td>
                  <td className="py-1 pr-3" data-testid="key-volume" data-atomic={key.volume}>
                    {formatUsdc(key.volume, 6)}
                  </td>
                  <td className="py-1 pr-3" data-testid="key-gas" data-wei={key.gasWei}>
                    {formatEther(BigInt(key.gasWei))} ETH
                  </td>
                  <td className="py-1 pr-3" data-testid="key-status">
                    {key.revokedAt ? (
                      "revoked"
                    ) : (
                      <Button size="sm" variant="danger" data-testid="key-revoke" onClick={() => void revoke(key)}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
