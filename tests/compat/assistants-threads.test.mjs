// Assistants and threads as an SDK user sees them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, newThread, say } from "./sdk.mjs";

describe("assistants", () => {
  test("search finds the agent graph's default assistant, and get('agent') returns the same one", async () => {
    const found = await client.assistants.search({ graphId: "agent" });
    assert.ok(found.length >= 1, "at least the default assistant");
    const byGraph = await client.assistants.get("agent");
    assert.equal(byGraph.graph_id, "agent");
    assert.match(byGraph.assistant_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(found.some((a) => a.assistant_id === byGraph.assistant_id));
    const byId = await client.assistants.get(byGraph.assistant_id);
    assert.deepEqual(byId, byGraph);
  });

  test("create, get, update and delete an assistant of the agent graph", async () => {
    const created = await client.assistants.create({ graphId: "agent", name: "compat", metadata: { suite: "compat" } });
    assert.equal(created.graph_id, "agent");
    assert.equal(created.name, "compat");
    assert.equal((await client.assistants.get(created.assistant_id)).metadata.suite, "compat");
    const updated = await client.assistants.update(created.assistant_id, { name: "compat-renamed" });
    assert.equal(updated.name, "compat-renamed");
    await client.assistants.delete(created.assistant_id);
    await assert.rejects(client.assistants.get(created.assistant_id), { status: 404 });
  });
});

describe("threads", () => {
  test("create with metadata, then get it back", async () => {
    const created = await newThread({ purpose: "get" });
    assert.equal(created.status, "idle");
    assert.equal(created.metadata.purpose, "get");
    const got = await client.threads.get(created.thread_id);
    assert.equal(got.thread_id, created.thread_id);
    assert.deepEqual(got.metadata, created.metadata);
    assert.equal(got.status, "idle");
  });

  test("after a run, get has the thread's values and it is idle", async () => {
    const created = await newThread();
    assert.ok(created.values == null, "a new thread has no values yet");
    await client.runs.wait(created.thread_id, "agent", { input: say("tokens=2") });
    const got = await client.threads.get(created.thread_id);
    assert.equal(got.status, "idle");
    assert.deepEqual(got.values.messages.map((m) => m.type), ["human", "ai"]);
  });

  test("create with a given thread id, search by metadata, update and delete", async () => {
    const threadId = crypto.randomUUID();
    const marker = crypto.randomUUID();
    const created = await client.threads.create({ threadId, metadata: { marker } });
    assert.equal(created.thread_id, threadId);
    const found = await client.threads.search({ metadata: { marker } });
    assert.deepEqual(found.map((t) => t.thread_id), [threadId]);
    const updated = await client.threads.update(threadId, { metadata: { extra: 1 } });
    assert.equal(updated.metadata.marker, marker);
    assert.equal(updated.metadata.extra, 1);
    await client.threads.delete(threadId);
    await assert.rejects(client.threads.get(threadId), { status: 404 });
  });
});
