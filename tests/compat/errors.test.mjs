// Errors as the SDK surfaces them: it throws, with the HTTP status.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, newThread, say, waitForStatus } from "./sdk.mjs";

describe("errors", () => {
  const missing = crypto.randomUUID();

  test("an unknown thread: get, getState, runs.wait and runs.stream throw with status 404", async () => {
    // The SDK's HTTPError: the status, and the problem details' text.
    await assert.rejects(client.threads.get(missing), (e) => e instanceof Error && e.status === 404 && /^HTTP 404: /.test(e.message));
    await assert.rejects(client.threads.getState(missing), { status: 404 });
    await assert.rejects(client.runs.wait(missing, "agent", { input: say("hi") }), { status: 404 });
    await assert.rejects(async () => {
      for await (const _ of client.runs.stream(missing, "agent", { input: say("hi") })) {
        // nothing: the request itself fails
      }
    }, { status: 404 });
  });

  test("an unknown assistant and an unknown run throw with status 404", async () => {
    await assert.rejects(client.assistants.get(crypto.randomUUID()), { status: 404 });
    const thread = await newThread();
    await assert.rejects(client.runs.get(thread.thread_id, crypto.randomUUID()), { status: 404 });
  });

  test("a busy thread rejects a second run with 409", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say("tokens=2000 delay_ms=20") });
    await waitForStatus(thread.thread_id, run.run_id, ["running"]);
    try {
      await assert.rejects(client.runs.create(thread.thread_id, "agent", { input: say("hi"), multitaskStrategy: "reject" }), { status: 409 });
    } finally {
      await client.runs.cancel(thread.thread_id, run.run_id, true);
    }
  });

  test("cancelling a run that has ended throws with status 404, as on LangGraph", async () => {
    const thread = await newThread();
    let runId;
    await client.runs.wait(thread.thread_id, "agent", { input: say("tokens=1"), onRunCreated: (meta) => { runId = meta.run_id; } });
    assert.ok(runId, "onRunCreated gets the run from Content-Location");
    await assert.rejects(client.runs.cancel(thread.thread_id, runId), { status: 404 });
    assert.equal((await client.runs.get(thread.thread_id, runId)).status, "success");
  });

  test("invalid input is rejected with 422, not retried", async () => {
    const thread = await newThread();
    await assert.rejects(client.runs.wait(thread.thread_id, "agent", { input: say("hi"), multitaskStrategy: "sometimes" }), { status: 422 });
  });
});
