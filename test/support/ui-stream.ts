/** The chunks of an AI SDK UI message stream (server-sent events), read to the end. */
export async function readUIChunks(res: Response): Promise<Array<Record<string, unknown> & { type: string }>> {
  const text = await res.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice("data: ".length)) as Record<string, unknown> & { type: string });
}
