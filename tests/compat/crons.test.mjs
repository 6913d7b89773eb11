// Scheduled runs through the SDK's client.crons: create (stateless and on a thread), search, update, delete, and errors.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, newThread, say } from "./sdk.mjs";

describe("crons", () => {
  test("create, search, update and delete a cron", async () => {
    const tag = crypto.randomUUID();
    const cron = await client.crons.create("agent", { schedule: "*/10 * * * *", input: say("hi"), metadata: { tag } });
    assert.equal(cron.schedule, "*/10 * * * *");
    assert.equal(cron.thread_id, null);
    assert.ok(cron.next_run_date);
    const found = await client.crons.search({ metadata: { tag } });
    assert.deepEqual(found.map((c) => c.cron_id), [cron.cron_id]);
    const updated = await client.crons.update(cron.cron_id, { schedule: "15 4 * * *" });
    assert.equal(updated.schedule, "15 4 * * *");
    assert.equal(new Date(updated.next_run_date).getUTCHours(), 4);
    await client.crons.delete(cron.cron_id);
    assert.deepEqual(await client.crons.search({ metadata: { tag } }), []);
  });

  test("createForThread binds the cron to the thread", async () => {
    const thread = await newThread();
    const cron = await client.crons.createForThread(thread.thread_id, "agent", { schedule: "0 * * * *", input: say("hi") });
    assert.equal(cron.thread_id, thread.thread_id);
    const found = await client.crons.search({ threadId: thread.thread_id });
    assert.equal(found.length, 1);
    await client.crons.delete(cron.cron_id);
  });

  test("a bad schedule is 422, an unknown cron 404", async () => {
    await assert.rejects(client.crons.create("agent", { schedule: "every minute" }), { status: 422 });
    await assert.rejects(client.crons.delete(crypto.randomUUID()), { status: 404 });
  });
});
