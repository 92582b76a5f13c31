/**
 * The app's claimer as instrumentation.ts starts it: built from the environment, the process's ledger and our
 * own facilitator (the one our paid routes name as receiver authorizer), claiming on the local chain.
 */
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getLedger } from "@/lib/ledger";
import { getLocalFacilitator } from "@/lib/x402/facilitator";
import { getTabClaimer, stopTabClaimer } from "@/lib/x402/settlement/start";
import { setEnv, testChainFixture } from "@/test/support/fixtures";
import { createResourceServer, NETWORK, newAccount, Payer, PRICE, requirementsFor } from "./harness";

const chain = testChainFixture();

describe("the app's tab claimer", () => {
  let restoreEnv: () => void;
  beforeAll(() => {
    restoreEnv = setEnv({ DATA_DIR: "memory://", TAB_CLAIM_THRESHOLD_USDC: "0.025", TAB_CLAIM_INTERVAL_SECONDS: "3600" });
  });
  afterAll(async () => {
    await stopTabClaimer();
    restoreEnv();
  });

  it("claims on the local chain through our facilitator, at the threshold from the environment", async () => {
    const facilitator = getLocalFacilitator();
    const authorizer = facilitator.getSupported().kinds.find((k) => k.scheme === "batch-settlement" && k.network === NETWORK)
      ?.extra?.receiverAuthorizer as Address;
    const tabs = (await getLedger()).tabs(NETWORK);
    const server = await createResourceServer(facilitator, tabs);
    const requirements = requirementsFor(chain.deployment.usdc, newAccount().address, authorizer);
    const payer = await Payer.funded(chain.rpcUrl);
    const claimer = await getTabClaimer();
    expect(await getTabClaimer()).toBe(claimer);

    await payer.pay(server, requirements, PRICE);
    await payer.pay(server, requirements, PRICE);
    const below = await claimer.tick();
    expect(below).toMatchObject({ role: "claimer", networks: [{ network: NETWORK, trigger: null, claims: [] }] });

    await payer.pay(server, requirements, 5_000n); // 25,000 atomic: 0.025 USDC
    const reached = await claimer.tick();
    expect(reached).toMatchObject({ role: "claimer", networks: [{ network: NETWORK, trigger: "threshold", errors: [] }] });
    const channel = await tabs.get(payer.channelId(requirements));
    expect(channel?.totalClaimed).toBe("25000");

    // Stopped, it is forgotten: the next use builds a new one.
    await stopTabClaimer();
    expect(await getTabClaimer()).not.toBe(claimer);
  });
});
