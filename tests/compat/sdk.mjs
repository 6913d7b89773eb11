// Shared by the compatibility tests: the official LangGraph JS SDK's client, pointed at the server
// under test (AGENTFUNCTIONS_URL; eng/test.sh starts a server and sets it), and small helpers.
import assert from "node:assert/strict";
import { Client } from "@langchain/langgraph-sdk";

export const apiUrl = process.env.AGENTFUNCTIONS_URL;
if (!apiUrl) {
  throw new Error("Set AGENTFUNCTIONS_URL to the server's address (e.g. http://127.0.0.1:8123, from eng/run.sh), or run eng/test.sh.");
}

// apiKey: null keeps the SDK from picking up LANGGRAPH_API_KEY / LANGSMITH_API_KEY from the environment.
export const client = new Client({ apiUrl, apiKey: null });

/** A run's input: one human message. */
export const say = (text) => ({ messages: [{ role: "user", content: text }] });

/** The text of a message's content (a string, or a list of content blocks). */
export const text = (message) =>
  typeof message.content === "string" ? message.content : message.content.map((block) => block.text ?? "").join("");

/** Every chunk of an SDK stream, in order. */
export async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
  }
  return chunks;
}

/** Types and texts of a values chunk's messages, e.g. [["human", "hi"], ["ai", "Lorem"]]. */
export const summary = (values) => values.messages.map((m) => [m.type, text(m)]);

/** A new thread for one test. */
export async function newThread(metadata = {}) {
  return client.threads.create({ metadata: { suite: "compat", ...metadata } });
}

/** Polls the run until its status is one of `statuses` (within `timeoutMs`, a guard against a hang that holds on a busy machine); returns the run. */
export async function waitForStatus(threadId, runId, statuses, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.runs.get(threadId, runId);
    if (statuses.includes(run.status)) {
      return run;
    }
    assert.ok(Date.now() < deadline, `run ${runId} is still ${run.status}, expected ${statuses.join(" or ")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The offline model's text for `tokens=N`: lorem ipsum words, the last one ending with a full stop. */
export const LOREM5 = "Lorem ipsum dolor sit amet.";
