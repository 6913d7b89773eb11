// What LangGraph clients (the SDK, agent-chat-ui) rely on beyond the basics, through the official JS SDK.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, collect, newThread, say, text, waitForStatus } from "./sdk.mjs";

describe("conformance", () => {
  test("an assistant created with an empty configurable has its graph's tools", async () => {
    const assistant = await client.assistants.create({ graphId: "agent", config: { configurable: {} } });
    const thread = await newThread();
    const values = await client.runs.wait(thread.thread_id, assistant.assistant_id, { input: say("calc: 2*21") });
    const tool = values.messages.find((m) => m.type === "tool");
    assert.equal(text(tool), "42");
  });

  test("a run labels its thread, so a search by graph_id (agent-chat-ui's thread list) finds it", async () => {
    const marker = crypto.randomUUID();
    const thread = await client.threads.create({ metadata: { marker } });
    await client.runs.wait(thread.thread_id, "agent", { input: say("tokens=2") });
    const found = await client.threads.search({ metadata: { graph_id: "agent", marker } });
    assert.deepEqual(found.map((t) => t.thread_id), [thread.thread_id]);
    assert.ok(found[0].metadata.assistant_id);
  });

  test("joinStream with lastEventId -1 replays the whole stream", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say("tokens=3"), streamMode: ["values"] });
    await waitForStatus(thread.thread_id, run.run_id, ["success"]);
    const chunks = await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: "-1" }));
    assert.equal(chunks[0].event, "metadata");
    assert.ok(chunks.some((c) => c.event === "values"));
  });

  test("threads.count and assistants.count count what search finds", async () => {
    const marker = crypto.randomUUID();
    await client.threads.create({ metadata: { marker } });
    await client.threads.create({ metadata: { marker } });
    assert.equal(await client.threads.count({ metadata: { marker } }), 2);
    await client.assistants.create({ graphId: "agent", metadata: { marker } });
    assert.equal(await client.assistants.count({ metadata: { marker } }), 1);
  });

  test("runs.cancelMany cancels a thread's active runs", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say("tokens=200 delay_ms=100") });
    await client.runs.cancelMany({ threadId: thread.thread_id, status: "all" });
    const ended = await waitForStatus(thread.thread_id, run.run_id, ["interrupted"]);
    assert.equal(ended.status, "interrupted");
  });

  test("runs.create without a thread and runs.createBatch run in the background on new threads", async () => {
    const run = await client.runs.create(null, "agent", { input: say("tokens=2") });
    const batch = await client.runs.createBatch([
      { assistantId: "agent", input: say("tokens=2") },
      { assistantId: "agent", input: say("tokens=3") },
    ]);
    for (const r of [run, ...batch]) {
      await waitForStatus(r.thread_id, r.run_id, ["success"]);
    }
    assert.equal(batch.length, 2);
    assert.notEqual(batch[0].thread_id, batch[1].thread_id);
  });

  test("assistants.getVersions lists every version and setLatest makes an old one current", async () => {
    const created = await client.assistants.create({ graphId: "agent", name: "v1" });
    await client.assistants.update(created.assistant_id, { name: "v2" });
    const versions = await client.assistants.getVersions(created.assistant_id);
    assert.deepEqual(versions.map((v) => [v.version, v.name]), [[2, "v2"], [1, "v1"]]);
    const latest = await client.assistants.setLatest(created.assistant_id, 1);
    assert.equal(latest.name, "v1");
    assert.equal((await client.assistants.get(created.assistant_id)).version, 1);
  });

  test("assistants.getSubgraphs answers the agent graph's (none)", async () => {
    assert.deepEqual(await client.assistants.getSubgraphs("agent"), {});
  });

  test("threads.copy makes a new thread with the same metadata, values and history", async () => {
    const thread = await newThread({ marker: crypto.randomUUID() });
    await client.runs.wait(thread.thread_id, "agent", { input: say("tokens=2") });
    const copy = await client.threads.copy(thread.thread_id);
    assert.notEqual(copy.thread_id, thread.thread_id);
    assert.deepEqual(copy.metadata, (await client.threads.get(thread.thread_id)).metadata);
    const [source, copied] = [await client.threads.getHistory(thread.thread_id), await client.threads.getHistory(copy.thread_id)];
    assert.deepEqual(copied.map((s) => s.checkpoint.checkpoint_id), source.map((s) => s.checkpoint.checkpoint_id));
    assert.deepEqual(copied[0].values, source[0].values);
    await client.runs.wait(copy.thread_id, "agent", { input: say("tokens=2") });
    assert.equal((await client.threads.getState(thread.thread_id)).values.messages.length, 2);
    assert.equal((await client.threads.getState(copy.thread_id)).values.messages.length, 4);
  });

  test("threads.joinStream follows the thread's next run to its run_done; lastEventId '-' replays the thread's runs", async () => {
    const thread = await newThread();
    const controller = new AbortController();
    const stream = client.threads.joinStream(thread.thread_id, { signal: controller.signal });
    const iterator = stream[Symbol.asyncIterator]();
    // The request goes out first; the run lasts long enough to be still active should it get there first.
    const first = iterator.next();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say("tokens=40 delay_ms=50") });
    const chunks = [];
    for (let next = await first; !next.done; next = await iterator.next()) {
      chunks.push(next.value);
      if (next.value.event === "metadata" && next.value.data.status === "run_done") {
        break;
      }
    }
    controller.abort();
    await iterator.return?.().catch(() => {});
    assert.equal(chunks[0].event, "metadata");
    assert.equal(chunks[0].data.run_id, run.run_id);
    assert.ok(chunks.some((c) => c.event === "values"));
    assert.deepEqual(chunks.at(-1).data, { status: "run_done", run_id: run.run_id });

    const replay = new AbortController();
    const replayed = [];
    try {
      for await (const chunk of client.threads.joinStream(thread.thread_id, { lastEventId: "-", streamMode: "lifecycle", signal: replay.signal })) {
        replayed.push(chunk);
        if (chunk.data?.status === "run_done") {
          replay.abort();
        }
      }
    } catch (error) {
      if (!replay.signal.aborted) throw error;
    }
    assert.deepEqual(replayed.map((c) => c.data.run_id), [run.run_id, run.run_id]);
  });
});
