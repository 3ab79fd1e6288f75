// Test keys and tokens, each remembered so that the leak check can look for it everywhere.

import assert from "node:assert/strict";

/** Every key and token handed out in this process: the leak check looks for each of them everywhere. */
export const handedOut = new Set();

/** A key of the API key's shape (the mock's healthy scenario accepts exactly this shape). */
export function validKey() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  let body = "";
  for (let i = 0; i < 93; i++) body += alphabet[Math.floor(Math.random() * alphabet.length)];
  const key = `sk-ant-api03-${body}AA`;
  assert.equal(key.length, 108);
  handedOut.add(key);
  return key;
}

/** A subscription OAuth token's shape. */
export function oauthToken() {
  const token = `sk-ant-oat01-${validKey().slice("sk-ant-api03-".length)}`;
  handedOut.add(token);
  return token;
}
