// A thread's state and its checkpoint history, read through the SDK.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { client, newThread, say, summary, text } from "./sdk.mjs";

describe("thread state and history", () => {
  let thread;
  before(async () => {
    thread = await newThread();
    await client.runs.wait(thread.thread_id, "agent", { input: say("calc: 6*7") });
    await client.runs.wait(thread.thread_id, "agent", { input: say("again tokens=3") });
  });

  test("getState: the latest values, nothing next, a checkpoint of this thread", async () => {
    const state = await client.threads.getState(thread.thread_id);
    assert.deepEqual(state.values.messages.map((m) => m.type), ["human", "ai", "tool", "ai", "human", "ai"]);
    assert.equal(text(state.values.messages[3]), "The answer is 42.");
    assert.deepEqual(state.next, []);
    assert.equal(state.checkpoint.thread_id, thread.thread_id);
    assert.ok(state.checkpoint.checkpoint_id);
    assert.ok(state.parent_checkpoint?.checkpoint_id);
    assert.ok(state.created_at);

    const byId = await client.threads.getState(thread.thread_id, state.checkpoint.checkpoint_id);
    assert.deepEqual(byId.values, state.values);
    const parent = await client.threads.getState(thread.thread_id, state.parent_checkpoint.checkpoint_id);
    assert.equal(parent.values.messages.length, 5);
    assert.deepEqual(parent.next, ["agent"]);
  });

  test("getHistory: newest first, paged with limit and before without a gap", async () => {
    const all = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    assert.ok(all.length >= 6, `two runs make at least six checkpoints, got ${all.length}`);
    assert.deepEqual(all[0].checkpoint.checkpoint_id, (await client.threads.getState(thread.thread_id)).checkpoint.checkpoint_id);
    for (let i = 0; i + 1 < all.length; i++) {
      assert.equal(all[i].parent_checkpoint?.checkpoint_id, all[i + 1].checkpoint.checkpoint_id, `checkpoint ${i}'s parent is the next one`);
    }
    assert.equal(all.at(-1).parent_checkpoint, null);

    const paged = [];
    let beforeConfig;
    for (;;) {
      const page = await client.threads.getHistory(thread.thread_id, { limit: 2, before: beforeConfig });
      assert.ok(page.length <= 2);
      if (page.length === 0) {
        break;
      }
      paged.push(...page);
      beforeConfig = { configurable: { checkpoint_id: page.at(-1).checkpoint.checkpoint_id } };
    }
    assert.deepEqual(paged.map((s) => s.checkpoint.checkpoint_id), all.map((s) => s.checkpoint.checkpoint_id));
  });

  test("getHistory filtered by metadata: the checkpoints written by the input", async () => {
    const inputs = await client.threads.getHistory(thread.thread_id, { limit: 10, metadata: { source: "input" } });
    assert.equal(inputs.length, 2);
    assert.ok(inputs.every((s) => s.metadata.source === "input"));
  });

  test("updateState adds a message as a node; getState shows it", async () => {
    const other = await newThread();
    await client.runs.wait(other.thread_id, "agent", { input: say("tokens=2") });
    await client.threads.updateState(other.thread_id, { values: { messages: [{ type: "ai", content: "edited" }] }, asNode: "agent" });
    const state = await client.threads.getState(other.thread_id);
    assert.deepEqual(summary(state.values).at(-1), ["ai", "edited"]);
  });
});
