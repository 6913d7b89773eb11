// A Microsoft Agent Framework agent served as a graph (the server's demo ChatClientAgent over the offline model with the
// calculator, graph "af-agent", which eng/compat.sh turns on): the SDK streams it like any graph.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiUrl, client, collect, newThread, say, summary, text } from "./sdk.mjs";

const GRAPH = "af-agent";
const info = await (await fetch(`${apiUrl}/info`)).json();
const served = (info.graphs ?? []).some((g) => g.graph_id === GRAPH);

describe("an Agent Framework agent", { skip: served ? false : `the server does not serve ${GRAPH}` }, () => {
  test("streams its tool round trip as messages-tuple chunks, updates and values", async () => {
    const thread = await newThread();
    const chunks = await collect(client.runs.stream(thread.thread_id, GRAPH, {
      input: say("calc: 6*7"),
      streamMode: ["messages-tuple", "values", "updates"],
    }));

    assert.equal(chunks[0].event, "metadata");
    assert.ok(!chunks.some((c) => c.event === "error"), JSON.stringify(chunks.find((c) => c.event === "error")));
    const messages = chunks.filter((c) => c.event === "messages");
    for (const { data } of messages) {
      assert.equal(data[1].graph_id, GRAPH);
      assert.equal(data[1].langgraph_node, "agent");
    }
    const toolChunk = messages.map((c) => c.data[0]).find((m) => m.type === "tool");
    assert.equal(toolChunk.name, "calculator");
    assert.equal(text(toolChunk), "42");
    const aiText = messages.map((c) => c.data[0]).filter((m) => m.type === "AIMessageChunk").map(text).join("");
    assert.equal(aiText, "The answer is 42.");

    const values = chunks.filter((c) => c.event === "values").at(-1).data;
    assert.deepEqual(values.messages.map((m) => m.type), ["human", "ai", "tool", "ai"]);
    const [, call, result] = values.messages;
    assert.equal(call.tool_calls[0].name, "calculator");
    assert.equal(result.tool_call_id, call.tool_calls[0].id);
    assert.deepEqual(chunks.filter((c) => c.event === "updates").map((c) => Object.keys(c.data)[0]), ["agent"]);
  });

  test("keeps the conversation in the thread: the next run sees it, and the state has it", async () => {
    const thread = await newThread();
    await client.runs.wait(thread.thread_id, GRAPH, { input: say("hello tokens=2") });
    const final = await client.runs.wait(thread.thread_id, GRAPH, { input: say("again tokens=3") });

    assert.deepEqual(final.messages.map((m) => m.type), ["human", "ai", "human", "ai"]);
    const state = await client.threads.getState(thread.thread_id);
    assert.deepEqual(summary(state.values), summary(final));
    assert.deepEqual(state.next, []);
  });

  test("is listed with its default assistant", async () => {
    const found = await client.assistants.search({ graphId: GRAPH });
    assert.equal(found.length, 1);
    assert.equal(found[0].graph_id, GRAPH);
    assert.equal(found[0].metadata.created_by, "system");
  });
});
