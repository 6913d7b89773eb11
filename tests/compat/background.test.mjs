// Background runs: create, join, join the stream, cancel.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, collect, LOREM5, newThread, say, summary, text, waitForStatus } from "./sdk.mjs";

const SLOW = "slow tokens=2000 delay_ms=20";

describe("background runs", () => {
  test("create answers a pending run; join answers the final values", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say("bg tokens=5"), metadata: { purpose: "join" } });
    assert.equal(run.thread_id, thread.thread_id);
    assert.ok(["pending", "running"].includes(run.status), run.status);
    assert.equal(run.metadata.purpose, "join");

    const values = await client.runs.join(thread.thread_id, run.run_id);
    assert.deepEqual(summary(values), [["human", "bg tokens=5"], ["ai", LOREM5]]);
    assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "success");
    const listed = await client.runs.list(thread.thread_id);
    assert.deepEqual(listed.map((r) => r.run_id), [run.run_id]);
  });

  test("joinStream of a streamResumable run replays it from the start", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", {
      input: say("tokens=5"),
      streamMode: ["messages-tuple", "values"],
      streamResumable: true,
    });
    const chunks = await collect(client.runs.joinStream(thread.thread_id, run.run_id));
    assert.equal(chunks[0].event, "metadata");
    assert.equal(chunks[0].data.run_id, run.run_id);
    assert.equal(chunks.filter((c) => c.event === "messages").map((c) => text(c.data[0])).join(""), LOREM5);
    assert.deepEqual(summary(chunks.at(-1).data), [["human", "tokens=5"], ["ai", LOREM5]]);

    // Joining again after the end replays the same events; with lastEventId, only the ones after it.
    const again = await collect(client.runs.joinStream(thread.thread_id, run.run_id));
    assert.deepEqual(again.map((c) => c.id), chunks.map((c) => c.id));
    const rest = await collect(client.runs.joinStream(thread.thread_id, run.run_id, { lastEventId: chunks[2].id }));
    assert.deepEqual(rest.map((c) => c.id), chunks.slice(3).map((c) => c.id));
  });

  test("a streamed run with streamResumable and onDisconnect continue resumes after the client left", async () => {
    const thread = await newThread();
    const controller = new AbortController();
    const seen = [];
    for await (const chunk of client.runs.stream(thread.thread_id, "agent", {
      input: say("tokens=30 delay_ms=20"),
      streamMode: "messages-tuple",
      streamResumable: true,
      onDisconnect: "continue",
      signal: controller.signal,
    })) {
      seen.push(chunk);
      if (seen.length === 3) {
        controller.abort();
        break;
      }
    }
    const runId = seen[0].data.run_id;
    const rest = await collect(client.runs.joinStream(thread.thread_id, runId, { lastEventId: seen.at(-1).id }));
    const words = [...seen.slice(1), ...rest].filter((c) => c.event === "messages").map((c) => text(c.data[0]));
    assert.equal(words.length, 30, "every token once: the ones read before leaving and the rest");
    assert.equal(words.join("").split(" ").length, 30);
    assert.equal((await waitForStatus(thread.thread_id, runId, ["success"])).status, "success");
  });

  test("cancel a slow run: it ends interrupted, and the thread takes new runs", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say(SLOW) });
    await waitForStatus(thread.thread_id, run.run_id, ["running"]);

    await client.runs.cancel(thread.thread_id, run.run_id, true);
    // Read right after the wait: ended (the wait lasted until the run stopped), and interrupted, not success (it was
    // stopped, not waited out). No clock is read: on a busy machine how long that takes says nothing.
    assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "interrupted");
    assert.equal((await client.threads.get(thread.thread_id)).status, "idle");

    const values = await client.runs.wait(thread.thread_id, "agent", { input: say("after tokens=2") });
    assert.deepEqual(values.messages.at(-2).content, "after tokens=2");
  });

  test("cancel with rollback and wait: the run and what it wrote are gone", async () => {
    const thread = await newThread();
    const before = await client.runs.wait(thread.thread_id, "agent", { input: say("first tokens=2") });
    const run = await client.runs.create(thread.thread_id, "agent", { input: say(SLOW) });
    await waitForStatus(thread.thread_id, run.run_id, ["running"]);

    await client.runs.cancel(thread.thread_id, run.run_id, true, "rollback");
    await assert.rejects(client.runs.get(thread.thread_id, run.run_id), { status: 404 });
    assert.deepEqual((await client.threads.getState(thread.thread_id)).values, before);
  });

  test("cancel without wait: the stream of the slow run ends and the run is interrupted", async () => {
    const thread = await newThread();
    const run = await client.runs.create(thread.thread_id, "agent", { input: say(SLOW), streamMode: "messages-tuple" });
    await waitForStatus(thread.thread_id, run.run_id, ["running"]);
    const joined = collect(client.runs.joinStream(thread.thread_id, run.run_id));
    await client.runs.cancel(thread.thread_id, run.run_id);
    const chunks = await joined;
    assert.ok(chunks.filter((c) => c.event === "messages").length < 2000, "the stream ended before the run could finish");
    assert.equal((await waitForStatus(thread.thread_id, run.run_id, ["interrupted"])).status, "interrupted");
  });
});
