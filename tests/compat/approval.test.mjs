// Tool calls that wait for a person (human in the loop), through the SDK: the run stops with a HumanInterrupt, and
// command.resume accepts, edits, answers or ignores the call. eng/compat.sh and eng/func-e2e.sh declare the graph "approval" (the
// calculator, approved); against a server without it these tests are skipped.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client, collect, newThread, say, summary, text } from "./sdk.mjs";

const declared = (await client.assistants.search({ graphId: "approval", limit: 1 })).length > 0;

/** A thread whose run stopped before the calculator call "6*7"; returns it and its pending interrupt. */
async function interrupted() {
  const thread = await newThread();
  const values = await client.runs.wait(thread.thread_id, "approval", { input: say("calc: 6*7") });
  const [interrupt] = values.__interrupt__;
  return { thread, interrupt };
}

describe("tool approval", { skip: !declared && "the server does not declare the graph approval" }, () => {
  test("a call that needs approval stops the run: thread interrupted, one HumanInterrupt, streamed in values and updates", async () => {
    const thread = await newThread();
    const chunks = await collect(client.runs.stream(thread.thread_id, "approval", { input: say("calc: 6*7"), streamMode: ["values", "updates"] }));

    const lastValues = chunks.filter((c) => c.event === "values").at(-1).data;
    const [interrupt] = lastValues.__interrupt__;
    assert.equal(interrupt.value.action_request.action, "calculator");
    assert.equal(interrupt.value.action_request.args.expression, "6*7");
    assert.ok(chunks.some((c) => c.event === "updates" && c.data.__interrupt__?.[0]?.id === interrupt.id));
    const saved = await client.threads.get(thread.thread_id);
    assert.equal(saved.status, "interrupted");
    assert.deepEqual(Object.values(saved.interrupts).flat().map((i) => i.id), [interrupt.id]);
    const state = await client.threads.getState(thread.thread_id);
    assert.deepEqual(state.next, ["tools"]);
    assert.equal(state.tasks[0].interrupts[0].id, interrupt.id);
  });

  test("accept: the call runs as asked", async () => {
    const { thread } = await interrupted();

    const values = await client.runs.wait(thread.thread_id, "approval", { command: { resume: [{ type: "accept", args: null }] } });

    assert.deepEqual(summary(values).map(([type]) => type), ["human", "ai", "tool", "ai"]);
    assert.equal(text(values.messages[3]), "The answer is 42.");
    assert.equal((await client.threads.get(thread.thread_id)).status, "idle");
  });

  test("edit, by interrupt id: the call runs with the edited args", async () => {
    const { thread, interrupt } = await interrupted();

    const values = await client.runs.wait(thread.thread_id, "approval", {
      command: { resume: { [interrupt.id]: [{ type: "edit", args: { action: "calculator", args: { expression: "2*3" } } }] } },
    });

    assert.equal(text(values.messages[3]), "The answer is 6.");
  });

  test("response: the person's text is the tool's result", async () => {
    const { thread } = await interrupted();

    const values = await client.runs.wait(thread.thread_id, "approval", { command: { resume: [{ type: "response", args: "forty-two" }] } });

    assert.equal(text(values.messages[2]), "forty-two");
  });

  test("ignore: the call is skipped and the turn ends", async () => {
    const { thread } = await interrupted();

    const values = await client.runs.wait(thread.thread_id, "approval", { command: { resume: [{ type: "ignore", args: null }] } });

    assert.deepEqual(summary(values).map(([type]) => type), ["human", "ai", "tool"]);
    assert.equal((await client.threads.get(thread.thread_id)).status, "idle");
  });

  test("a resume that names no pending interrupt is refused (422) and the call still waits", async () => {
    const { thread } = await interrupted();

    await assert.rejects(
      client.runs.wait(thread.thread_id, "approval", { command: { resume: { nope: [{ type: "accept" }] } } }),
      { status: 422 },
    );

    assert.equal((await client.threads.get(thread.thread_id)).status, "interrupted");
  });
});
