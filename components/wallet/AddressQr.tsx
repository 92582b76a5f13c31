"use client";

import { useEffect, useState } from "react";
import type { Address } from "viem";

/** The QR-code library, loaded on demand; the unlock form starts this early so the unlocked panel finds it loaded. */
export const loadQrCode = () => import("qrcode");

/** The address as a QR code, drawn in the browser (qrcode is loaded on demand). */
export function AddressQr({ address }: { address: Address }) {
  const [qr, setQr] = useState<{ address: Address; url: string } | null>(null);
  useEffect(() => {
    let current = true;
    void loadQrCode().then(({ toDataURL }) =>
      toDataURL(address, { margin: 1, width: 160 }).then((url) => {
        if (current) setQr({ address, url });
      }),
    );
    return () => {
      current = false;
    };
  }, [address]);
  if (qr?.address !== address) return <div className="h-40 w-40" aria-hidden />;
  // A data URL made here: next/image would gain nothing.
  // eslint-disable-next-line @next/next/no-img-element
  return <img data-testid="wallet-qr" src={qr.url} alt={`QR code of ${address}`} width={160} height={160} />;
}
