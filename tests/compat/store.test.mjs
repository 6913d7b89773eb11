// The long-term store through the SDK's client.store: put, get, delete, search, namespaces, TTL, and what is refused.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { client } from "./sdk.mjs";

describe("store", () => {
  const root = `compat${crypto.randomUUID().slice(0, 8)}`;

  test("putItem then getItem returns the item with its namespace, key, value and times", async () => {
    await client.store.putItem([root, "prefs"], "colour", { name: "teal" });
    const item = await client.store.getItem([root, "prefs"], "colour");
    assert.deepEqual(item.namespace, [root, "prefs"]);
    assert.equal(item.key, "colour");
    assert.deepEqual(item.value, { name: "teal" });
    assert.ok(item.createdAt && item.updatedAt);
  });

  test("getItem of a missing item is null; deleteItem removes an item", async () => {
    assert.equal(await client.store.getItem([root], "missing"), null);
    await client.store.putItem([root], "temp", { a: 1 });
    await client.store.deleteItem([root], "temp");
    assert.equal(await client.store.getItem([root], "temp"), null);
  });

  test("searchItems lists a namespace prefix's items, filtered and paged", async () => {
    for (let i = 0; i < 5; i++) {
      await client.store.putItem([root, "docs", i % 2 ? "odd" : "even"], `d${i}`, { i, parity: i % 2 ? "odd" : "even" });
    }
    const all = await client.store.searchItems([root, "docs"], { limit: 10 });
    assert.deepEqual(all.items.map((item) => item.key), ["d0", "d2", "d4", "d1", "d3"]);
    const odd = await client.store.searchItems([root, "docs"], { filter: { parity: "odd" } });
    assert.deepEqual(odd.items.map((item) => item.key), ["d1", "d3"]);
    const page = await client.store.searchItems([root, "docs"], { limit: 2, offset: 1 });
    assert.deepEqual(page.items.map((item) => item.key), ["d2", "d4"]);
  });

  test("listNamespaces lists each namespace once, cut to maxDepth", async () => {
    await client.store.putItem([root, "ns", "a"], "k", { v: 1 });
    await client.store.putItem([root, "ns", "a", "deep"], "k", { v: 2 });
    await client.store.putItem([root, "ns", "b"], "k", { v: 3 });
    const all = await client.store.listNamespaces({ prefix: [root, "ns"] });
    assert.deepEqual(all.namespaces, [[root, "ns", "a"], [root, "ns", "a", "deep"], [root, "ns", "b"]]);
    const cut = await client.store.listNamespaces({ prefix: [root, "ns"], maxDepth: 3 });
    assert.deepEqual(cut.namespaces, [[root, "ns", "a"], [root, "ns", "b"]]);
    const deep = await client.store.listNamespaces({ prefix: [root], suffix: ["deep"] });
    assert.deepEqual(deep.namespaces, [[root, "ns", "a", "deep"]]);
  });

  test("an item with a ttl is stored and read back (its expiry is tested over HTTP with a moved clock)", async () => {
    await client.store.putItem([root, "ttl"], "soon", { a: 1 }, { ttl: 5 });
    const item = await client.store.getItem([root, "ttl"], "soon", { refreshTtl: true });
    assert.deepEqual(item.value, { a: 1 });
  });

  test("a semantic query and a bad value are refused with 422", async () => {
    await assert.rejects(client.store.searchItems([root], { query: "what colour" }), { status: 422 });
    await assert.rejects(client.store.putItem([root], "k", [1, 2]), { status: 422 });
    await assert.rejects(client.store.putItem([root], "k", { a: 1 }, { ttl: -1 }), { status: 422 });
  });
});
