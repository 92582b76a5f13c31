import { describe, expect, it } from "vitest";
import localUsdcJson from "../../contracts/artifacts/LocalUSDC.json" with { type: "json" };
import { parseContractArtifact } from "@/lib/devchain";

describe("compiled contract artifacts are read with a schema", () => {
  it("reads a compiled artifact with its ABI and bytecode", () => {
    const artifact = parseContractArtifact(localUsdcJson);
    expect(artifact.contractName).toBe("LocalUSDC");
    expect(artifact.abi.some((entry) => entry.type === "function" && entry.name === "transferWithAuthorization")).toBe(true);
    expect(artifact.bytecode).toMatch(/^0x[0-9a-f]+$/);
  });

  it("refuses a damaged artifact, naming the field", () => {
    expect(() => parseContractArtifact({ ...localUsdcJson, bytecode: "6080" })).toThrow(/bytecode/);
    expect(() => parseContractArtifact({ ...localUsdcJson, abi: [{ name: "x" }] })).toThrow(/abi/);
  });
});
