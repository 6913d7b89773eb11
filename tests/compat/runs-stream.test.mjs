// Streamed and waited runs: what a chat UI built on the SDK reads.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, collect, LOREM5, newThread, say, summary, text } from "./sdk.mjs";

describe("runs.stream", () => {
  test("metadata first, token chunks that make the reply, last values with both messages", async () => {
    const thread = await newThread();
    let created;
    const chunks = await collect(client.runs.stream(thread.thread_id, "agent", {
      input: say("hello tokens=5"),
      streamMode: ["messages-tuple", "values"],
      onRunCreated: (meta) => { created = meta; },
    }));

    assert.equal(chunks[0].event, "metadata");
    const runId = chunks[0].data.run_id;
    assert.ok(runId, "the metadata chunk names the run");
    assert.deepEqual(created, { run_id: runId, thread_id: thread.thread_id }, "onRunCreated gets the run from Content-Location");
    assert.deepEqual([...new Set(chunks.map((c) => c.event))].sort(), ["messages", "metadata", "values"]);

    const tokens = chunks.filter((c) => c.event === "messages");
    for (const { data } of tokens) {
      assert.ok(Array.isArray(data) && data.length === 2, "messages-tuple: [message chunk, metadata]");
      assert.equal(data[1].langgraph_node, "agent");
    }
    assert.equal(tokens.map((c) => text(c.data[0])).join(""), LOREM5);

    const last = chunks.at(-1);
    assert.equal(last.event, "values");
    assert.deepEqual(summary(last.data), [["human", "hello tokens=5"], ["ai", LOREM5]]);
    assert.equal((await client.runs.get(thread.thread_id, runId)).status, "success");
  });

  test("a tool round trip: the calculator's result, then the final answer", async () => {
    const thread = await newThread();
    const chunks = await collect(client.runs.stream(thread.thread_id, "agent", {
      input: say("calc: 6*7"),
      streamMode: ["values", "updates"],
    }));

    assert.ok(!chunks.some((c) => c.event === "error"), JSON.stringify(chunks.find((c) => c.event === "error")));
    const values = chunks.filter((c) => c.event === "values").at(-1).data;
    assert.deepEqual(values.messages.map((m) => m.type), ["human", "ai", "tool", "ai"]);
    const [, call, result, answer] = values.messages;
    assert.equal(call.tool_calls.length, 1);
    assert.equal(call.tool_calls[0].name, "calculator");
    assert.equal(result.tool_call_id, call.tool_calls[0].id);
    assert.equal(text(result), "42");
    assert.equal(text(answer), "The answer is 42.");
    const nodes = chunks.filter((c) => c.event === "updates").map((c) => Object.keys(c.data)[0]);
    assert.deepEqual(nodes, ["agent", "tools", "agent"]);
  });

  test("a stateless run (no thread) streams and ends", async () => {
    const chunks = await collect(client.runs.stream(null, "agent", { input: say("tokens=3"), streamMode: "values" }));
    assert.equal(chunks[0].event, "metadata");
    assert.deepEqual(chunks.at(-1).data.messages.map((m) => m.type), ["human", "ai"]);
  });
});

describe("runs.wait", () => {
  test("answers the thread's final values", async () => {
    const thread = await newThread();
    const values = await client.runs.wait(thread.thread_id, "agent", { input: say("calc: 6*7") });
    assert.deepEqual(values.messages.map((m) => m.type), ["human", "ai", "tool", "ai"]);
    assert.equal(text(values.messages.at(-1)), "The answer is 42.");
  });

  test("a second run on the thread continues the conversation", async () => {
    const thread = await newThread();
    await client.runs.wait(thread.thread_id, "agent", { input: say("first tokens=2") });
    const values = await client.runs.wait(thread.thread_id, "agent", { input: say("second tokens=5") });
    assert.deepEqual(values.messages.map((m) => m.type), ["human", "ai", "human", "ai"]);
    assert.equal(text(values.messages.at(-1)), LOREM5);
  });

  test("a stateless run (no thread) answers its values", async () => {
    const values = await client.runs.wait(null, "agent", { input: say("tokens=5") });
    assert.deepEqual(summary(values), [["human", "tokens=5"], ["ai", LOREM5]]);
  });
});
