// End-to-end test of content that is not inline: the official Aleph
// TypeScript SDK (@aleph-sdk/client 1.7.4) moves a POST's or AGGREGATE's
// content of 50,000 bytes or more out of the message, uploading it with
// /api/v0/storage/add_json (or /api/v0/ipfs/add_json when the caller sets
// the ipfs storage engine) and signing a message whose item_type is
// "storage" (or "ipfs") and whose item_hash names the content. The node's
// validators fetch the content, attest it and apply it; this reads it back.
//
//   ALEPHD_API=http://127.0.0.1:4024 node --test inline.test.mjs
//
// Env: ALEPHD_API (default http://127.0.0.1:4024), ALEPHD_READ_API (the
// node to read back from, default ALEPHD_API: on a network, another
// validator than the one the content was uploaded to), ALEPHD_KEY (hex
// key; default a fresh random one), ALEPHD_SKIP_IPFS=1 to leave out the
// ipfs engine (a node without IPFS).

import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { AlephHttpClient, AuthenticatedAlephHttpClient } from '@aleph-sdk/client'
import { importAccountFromPrivateKey } from '@aleph-sdk/ethereum'
import { HashedMessage, ItemType, MessageType, broadcast, buildMessage } from '@aleph-sdk/message'
import { Wallet } from 'ethers'

const API = (process.env.ALEPHD_API || 'http://127.0.0.1:4024').replace(/\/+\s*$/, '')
const KEY = process.env.ALEPHD_KEY || Wallet.createRandom().privateKey
const RUN = randomBytes(6).toString('hex')
const CHANNEL = `ALEPHD-INLINE-${RUN}`
const STEP_TIMEOUT = 120_000

const account = importAccountFromPrivateKey(KEY.startsWith('0x') ? KEY : `0x${KEY}`)
const client = new AuthenticatedAlephHttpClient(account, API)
const READ = (process.env.ALEPHD_READ_API || API).replace(/\/+\s*$/, '')
const reader = new AlephHttpClient(READ)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function rawGet(path) {
  const res = await fetch(`${READ}${path}`, { signal: AbortSignal.timeout(STEP_TIMEOUT) })
  return { status: res.status, body: await res.json().catch(() => null) }
}

// processed waits until the node reports hash processed (validators
// attested its content) and returns GET /api/v0/messages/{hash}.
async function processed(hash) {
  const deadline = Date.now() + STEP_TIMEOUT - 10_000
  let last
  for (;;) {
    last = await rawGet(`/api/v0/messages/${hash}`)
    if (last.status === 200 && last.body?.status === 'processed') return last.body
    if (last.body?.status === 'rejected') throw new Error(`${hash} rejected: ${JSON.stringify(last.body)}`)
    if (Date.now() > deadline) throw new Error(`${hash} not processed: ${JSON.stringify(last.body)}`)
    await sleep(200)
  }
}

// A 60 KB POST and a 200 KB AGGREGATE, for one storage engine: the SDK
// picks "storage" by itself for content this large; "ipfs" is asked for.
function engineSuite(engine) {
  const postType = `alephd-inline-${engine}-${RUN}`
  const key = `alephd-inline-${engine}-${RUN}`
  const postContent = { body: 'p'.repeat(60_000), engine, unicode: 'é😀' }
  const aggContent = { blob: 'a'.repeat(200_000), engine, n: 1.5 }
  const opts = engine === ItemType.storage ? {} : { storageEngine: ItemType.ipfs }
  const hashRe = engine === ItemType.storage ? /^[0-9a-f]{64}$/ : /^(Qm|bafy)/

  test(`${engine}: a 60 KB POST is processed and read back`, { timeout: STEP_TIMEOUT }, async () => {
    const post = await client.createPost({ postType, content: postContent, channel: CHANNEL, ...opts })
    assert.equal(post.item_type, engine)
    assert.match(post.item_hash, hashRe)
    assert.equal(post.item_content, undefined)
    const got = await processed(post.item_hash)
    assert.equal(got.message.item_type, engine)
    const res = await reader.getPosts({ types: [postType], addresses: [account.address], channels: [CHANNEL] })
    assert.equal(res.posts.length, 1)
    assert.deepEqual(res.posts[0].content, postContent)
    assert.equal(res.posts[0].item_hash, post.item_hash)
  })

  test(`${engine}: a 200 KB AGGREGATE is processed and merged`, { timeout: STEP_TIMEOUT }, async () => {
    const agg = await client.createAggregate({ key, content: aggContent, channel: CHANNEL, ...opts })
    assert.equal(agg.item_type, engine)
    assert.match(agg.item_hash, hashRe)
    await processed(agg.item_hash)
    assert.deepEqual(await reader.fetchAggregate(account.address, key), aggContent)
  })
}

describe(`alephd non-inline content (api=${API}, read=${READ}, channel=${CHANNEL})`, { concurrency: false }, () => {
  engineSuite(ItemType.storage)
  if (!process.env.ALEPHD_SKIP_IPFS) engineSuite(ItemType.ipfs)

  test('content nobody can fetch is rejected at its deadline, with its code', { timeout: STEP_TIMEOUT }, async () => {
    // The SDK's own steps, with an item_hash no node holds content for.
    const time = Date.now() / 1000
    const content = { type: `alephd-inline-lost-${RUN}`, address: account.address, content: { x: 1 }, time }
    const built = buildMessage({ account, channel: CHANNEL, timestamp: time, storageEngine: ItemType.storage, content }, MessageType.post)
    const hashed = new HashedMessage({ ...built, item_content: undefined, item_hash: randomBytes(32).toString('hex') })
    const { message, status } = await broadcast({ message: hashed, account, apiServer: API, sync: false })
    assert.equal(status, 'pending')
    const deadline = Date.now() + STEP_TIMEOUT - 10_000
    for (;;) {
      const { body } = await rawGet(`/api/v0/messages/${message.item_hash}`)
      if (body?.status === 'rejected') {
        assert.match(String(body.details), /^message\/27 content not available/)
        break
      }
      assert.ok(Date.now() < deadline, `still ${body?.status}`)
      await sleep(500)
    }
  })

  test('add_json answers the hash pyaleph would: its re-serialized JSON', { timeout: STEP_TIMEOUT }, async () => {
    const res = await fetch(`${API}/api/v0/storage/add_json`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"b": 1, "a": [1.0, 1e16, "é"]}',
    })
    const { hash } = await res.json()
    const raw = await fetch(`${API}/api/v0/storage/raw/${hash}`)
    assert.equal(await raw.text(), '{"a":[1.0,1e16,"é"],"b":1}')
  })
})
