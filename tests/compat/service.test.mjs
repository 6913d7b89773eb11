// GET /ok and GET /info, which clients such as LangGraph Studio call before anything else (the SDK has no
// method for them): both answer 200 with JSON, without a caller.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { apiUrl } from "./sdk.mjs";

describe("service", () => {
  test("GET /ok answers {ok: true}", async () => {
    const response = await fetch(`${apiUrl}/ok`);

    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await response.json(), { ok: true });
  });

  test("GET /info answers the version and the flags", async () => {
    const response = await fetch(`${apiUrl}/info`);

    assert.equal(response.status, 200);
    const info = await response.json();
    assert.equal(typeof info.version, "string");
    assert.equal(info.flags.assistants, true);
    assert.equal(info.host.kind, "agentfunctions");
  });
});
