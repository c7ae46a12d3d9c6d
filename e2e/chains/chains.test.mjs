// End-to-end test: every chain's @aleph-sdk account (1.7.4, from npm) signs
// messages that a running alephd verifies as pyaleph does.
//
//   npm ci && ALEPHD_API=http://127.0.0.1:4024 node --test chains.test.mjs
//
// Per chain: the SDK signs and broadcasts a POST and an AGGREGATE through
// POST /api/v0/messages (they must be processed); a copy with other content
// under the same signature is refused with an error naming the chain; a copy
// under another address of the same chain is refused.
//
// Where SDK 1.7.4 itself signs what pyaleph refuses (Tezos' 1970 time,
// Avalanche key pairs, X-chain senders), alephd refuses it as pyaleph does,
// and the same key signs the message correctly here; that one is accepted.

import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { AggregateMessageClient, PostMessageClient } from '@aleph-sdk/message'
import * as avalanche from '@aleph-sdk/avalanche'
import * as cosmos from '@aleph-sdk/cosmos'
import * as nuls2 from '@aleph-sdk/nuls2'
import * as solana from '@aleph-sdk/solana'
import * as substrate from '@aleph-sdk/substrate'
import * as tezos from '@aleph-sdk/tezos'
import { InMemorySigner } from '@taquito/signer'
import { b58cencode, char2Bytes, prefix } from '@taquito/utils'

const require = createRequire(import.meta.url)
// The SDK's CommonJS build posts with this axios instance: record what it sends.
const axios = require('axios')
const nacl = require('tweetnacl')
const { BinTools } = require('avalanche')

const API = (process.env.ALEPHD_API || 'http://127.0.0.1:4024').replace(/\/+$/, '')
const RUN = randomBytes(4).toString('hex')
const CHANNEL = `ALEPHD-CHAINS-${RUN}`

const sent = [] // bodies of the SDK's POST /api/v0/messages
axios.interceptors.request.use((cfg) => {
  if (cfg.method === 'post' && String(cfg.url).endsWith('/api/v0/messages')) {
    sent.push(typeof cfg.data === 'string' ? JSON.parse(cfg.data) : cfg.data)
  }
  return cfg
})

const sha256hex = (s) => createHash('sha256').update(s).digest('hex')

// postRaw submits a message as the SDK does, and returns status and text.
async function postRaw(message) {
  const res = await fetch(`${API}/api/v0/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sync: true, message }),
  })
  return { status: res.status, text: await res.text() }
}

async function messageStatus(hash) {
  const res = await fetch(`${API}/api/v0/messages/${hash}`)
  if (res.status !== 200) return `HTTP ${res.status}`
  return (await res.json()).status
}

// sdkSend has the SDK sign and broadcast a message, and returns what it
// sent and the error it raised, if any.
async function sdkSend(send) {
  const before = sent.length
  let error
  try {
    await send()
  } catch (e) {
    error = e?.response ? `HTTP ${e.response.status}: ${JSON.stringify(e.response.data)}` : String(e)
  }
  assert.equal(sent.length, before + 1, `the SDK did not broadcast (${error})`)
  return { message: sent[sent.length - 1].message, error }
}

function sdkPost(account) {
  return sdkSend(() =>
    new PostMessageClient(API).send({ account, postType: 'chains-e2e', content: { body: `from ${account.getChain()}`, run: RUN }, channel: CHANNEL, sync: true }),
  )
}

function sdkAggregate(account) {
  return sdkSend(() =>
    new AggregateMessageClient(API).send({ account, key: `chains-${RUN}`, content: { chain: account.getChain(), run: RUN }, channel: CHANNEL, sync: true }),
  )
}

// withContent returns m with new item_content (and its hash), signature kept.
function withContent(m, mutate) {
  const c = JSON.parse(m.item_content)
  mutate(c)
  const item_content = JSON.stringify(c)
  return { ...m, item_content, item_hash: sha256hex(item_content) }
}

async function expectAccepted(m, what) {
  const r = await postRaw(m)
  assert.equal(r.status, 200, `${what}: ${r.text}`)
  assert.equal(await messageStatus(m.item_hash), 'processed', what)
}

async function expectRefused(m, what, ...mustName) {
  const r = await postRaw(m)
  assert.ok(r.status >= 400 && r.status < 500, `${what}: HTTP ${r.status} ${r.text}`)
  for (const s of mustName) assert.ok(r.text.includes(s), `${what}: error does not name ${JSON.stringify(s)}: ${r.text}`)
  return r.text
}

// checkChain runs the accepted / tampered / other-sender steps for a chain
// whose SDK account signs what pyaleph verifies.
function checkChain(chain, makeAccounts, rule) {
  describe(chain, () => {
    let account, other
    test('SDK-signed POST and AGGREGATE are processed', async () => {
      ;[account, other] = await makeAccounts()
      for (const send of [sdkPost, sdkAggregate]) {
        const { message, error } = await send(account)
        assert.equal(error, undefined, `${chain} ${message.type}: the SDK's broadcast failed`)
        assert.equal(message.chain, chain)
        assert.equal(await messageStatus(message.item_hash), 'processed')
      }
    })
    test('a tampered copy is refused, naming the chain and its rule', async () => {
      const { message } = await sdkPost(account)
      const t = withContent(message, (c) => (c.content.body = 'tampered'))
      await expectRefused(t, `${chain} tampered`, `${chain}:`, rule)
    })
    test('a copy under another address of the chain is refused', async () => {
      const { message } = await sdkPost(account)
      const m = withContent({ ...message, sender: other.address }, (c) => (c.address = other.address))
      await expectRefused(m, `${chain} other sender`, `${chain}:`)
    })
  })
}

// ---- chains whose SDK account signs as pyaleph verifies

checkChain(
  'SOL',
  async () => [solana.newAccount().account, solana.newAccount().account],
  'ed25519',
)

checkChain(
  'DOT',
  async () => [(await substrate.newAccount()).account, (await substrate.newAccount()).account],
  'sr25519',
)

checkChain(
  'CSDK',
  async () => [(await cosmos.newAccount()).account, (await cosmos.newAccount()).account],
  'secp256k1',
)

checkChain(
  'NULS2',
  async () => [(await nuls2.newAccount()).account, (await nuls2.newAccount()).account],
  'NULS message',
)
