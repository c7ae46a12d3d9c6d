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
import { Wallet } from 'ethers'

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
// The SDK turns a refusal into an error without the node's answer: keep it.
let lastRefusal
axios.interceptors.response.use(
  (res) => res,
  (err) => {
    if (err.response) lastRefusal = `HTTP ${err.response.status}: ${JSON.stringify(err.response.data)}`
    return Promise.reject(err)
  },
)

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
  lastRefusal = undefined
  try {
    await send()
  } catch (e) {
    error = lastRefusal ?? String(e)
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

async function getJSON(path) {
  const res = await fetch(`${API}${path}`)
  assert.equal(res.status, 200, `GET ${path}: ${res.status}`)
  return res.json()
}

// expectListed checks the API's address filters for an address that sent
// messages on chain: the listing and the aggregates answer to the address
// as spelled; a base58/bech32/SS58 address in lower case is another
// account, a 0x address in lower case the same one.
async function expectListed(address, chain) {
  const q = (a) => `/api/v0/messages.json?addresses=${encodeURIComponent(a)}&channels=${CHANNEL}`
  const mine = (await getJSON(q(address))).messages
  assert.ok(mine.length >= 2 && mine.every((m) => m.sender === address && m.chain === chain), `listing by ${address}: ${JSON.stringify(mine.map((m) => m.sender))}`)
  const aggs = await getJSON(`/api/v0/aggregates/${encodeURIComponent(address)}.json?keys=chains-${RUN}`)
  assert.equal(aggs.data[`chains-${RUN}`].run, RUN)
  const lower = address.toLowerCase()
  if (lower !== address) {
    const other = (await getJSON(q(lower))).messages
    if (address.startsWith('0x')) assert.equal(other.length, mine.length, '0x addresses fold case')
    else assert.equal(other.length, 0, `${lower} is not ${address}`)
  }
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
    test('the API finds them by the exact address (and only 0x addresses fold case)', async () => {
      await expectListed(account.address, chain)
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

// ---- chains where SDK 1.7.4 signs what pyaleph refuses

const bufferOf = (m) => `${m.chain}\n${m.sender}\n${m.type}\n${m.item_hash}`

// The message the SDK built, under another chain/sender, hash recomputed.
function reshape(m, chain, sender) {
  return withContent({ ...m, chain, sender }, (c) => (c.address = sender))
}

// TEZOS: the SDK's micheline payload carries new Date(time) with time in
// seconds, a January 1970 date; pyaleph (and alephd) check the message time.
// tezosSign signs the payload a Tezos wallet signs, with the right time.
async function tezosSign(m, signer, dAppUrl) {
  const iso = new Date(Math.round(m.time * 1000)).toISOString()
  const bytes = char2Bytes(['Tezos Signed Message:', dAppUrl, iso, bufferOf(m)].join(' '))
  const payload = '05' + '0100' + char2Bytes(String(bytes.length)) + bytes
  const { sig } = await signer.sign(payload)
  return {
    ...m,
    signature: JSON.stringify({ signature: sig, publicKey: await signer.publicKey(), signingType: 'micheline', dAppUrl }),
  }
}

for (const [curve, secret] of [
  ['tz1 ed25519', () => b58cencode(nacl.sign.keyPair().secretKey, prefix.edsk)],
  ['tz2 secp256k1', () => b58cencode(randomBytes(32), prefix.spsk)],
  ['tz3 P-256', () => b58cencode(randomBytes(32), prefix.p2sk)],
]) {
  describe(`TEZOS ${curve}`, () => {
    let account, signer, good
    test("the SDK's micheline signature (January 1970 time) is refused, as by pyaleph", async () => {
      const sk = secret()
      signer = new InMemorySigner(sk)
      account = await tezos.importAccountFromPrivateKey(sk)
      for (const send of [sdkPost, sdkAggregate]) {
        const { message, error } = await send(account)
        assert.equal(message.chain, 'TEZOS')
        assert.match(String(error), /HTTP 4\d\d.*TEZOS: .*micheline/, `the SDK's ${message.type} was not refused`)
        assert.match(JSON.parse(message.signature).signature, /^sig/)
      }
    })
    test('the same key signing the message time: POST and AGGREGATE are processed', async () => {
      for (const send of [sdkPost, sdkAggregate]) {
        const { message } = await send(account)
        const m = await tezosSign(message, signer, account.dAppUrl)
        await expectAccepted(m, `TEZOS ${message.type} signed with its time`)
        good = m
      }
    })
    test('a tampered copy is refused, naming the chain and its rule', async () => {
      await expectRefused(withContent(good, (c) => (c.content.chain = 'tampered')), 'TEZOS tampered', 'TEZOS:', 'micheline')
    })
    test('a copy under another Tezos address is refused', async () => {
      const other = (await tezos.newAccount()).signerAccount.address
      await expectRefused(reshape(good, 'TEZOS', other), 'TEZOS other sender', 'TEZOS:', 'is not the hash of publicKey')
    })
  })
}

// AVAX key pairs (X-chain): the SDK sends chain "ETH" and a sender "X-1…"
// without the "avax" prefix. pyaleph verifies AVAX messages from
// "X-avax1…" senders; the same key pair signs that here.
describe('AVAX X-chain key pair', () => {
  let account, sender, good
  async function avaxSign(m) {
    const signature = await account.sign({ getVerificationBuffer: () => Buffer.from(bufferOf(m)) })
    return { ...m, signature }
  }
  test("the SDK's message (chain ETH, sender X-1…) is refused, as by pyaleph", async () => {
    account = await avalanche.importAccountFromPrivateKey(randomBytes(32).toString('hex'), avalanche.ChainType.X_CHAIN)
    sender = BinTools.getInstance().addressToString('avax', 'X', account.keyPair.getAddress())
    assert.match(account.address, /^X-1/)
    assert.match(sender, /^X-avax1/)
    const { message, error } = await sdkPost(account)
    assert.equal(message.chain, 'ETH')
    assert.match(String(error), /HTTP 4\d\d.*ETH: sender \\"X-1.*is not a 0x-prefixed Ethereum address/)
  })
  test('the same key pair signing as AVAX from X-avax1…: POST and AGGREGATE are processed', async () => {
    for (const send of [sdkPost, sdkAggregate]) {
      const { message } = await send(account)
      good = await avaxSign(reshape(message, 'AVAX', sender))
      await expectAccepted(good, `AVAX ${message.type}`)
    }
  })
  test('a tampered copy is refused, naming the chain and its rule', async () => {
    await expectRefused(withContent(good, (c) => (c.content.chain = 'tampered')), 'AVAX tampered', 'AVAX:', 'Avalanche message')
  })
  test('a copy under another X-avax1… address is refused', async () => {
    const other = await avalanche.importAccountFromPrivateKey(randomBytes(32).toString('hex'), avalanche.ChainType.X_CHAIN)
    const otherSender = BinTools.getInstance().addressToString('avax', 'X', other.keyPair.getAddress())
    await expectRefused(reshape(good, 'AVAX', otherSender), 'AVAX other sender', 'AVAX:', 'recovers')
  })
  test('the SDK-style X-1… sender is refused on AVAX too', async () => {
    await expectRefused(await avaxSign(reshape(good, 'AVAX', account.address)), 'AVAX X-1 sender', 'AVAX:', 'recovers')
  })
})

// The EVM family: @aleph-sdk/avalanche's C-chain account (an @aleph-sdk/evm
// EVMAccount) sends chain "ETH" for Avalanche and BASE alike; pyaleph
// verifies it as ETH. The same key signing under other EVM chain values is
// accepted too; under AVAX it is refused (pyaleph verifies AVAX as
// Avalanche key pairs).
describe('EVM family (C-chain account)', () => {
  let account, wallet, good
  test('SDK-signed POST and AGGREGATE (chain ETH) are processed', async () => {
    const key = '0x' + randomBytes(32).toString('hex')
    account = await avalanche.importAccountFromPrivateKey(key, avalanche.ChainType.C_CHAIN)
    wallet = new Wallet(key)
    for (const send of [sdkPost, sdkAggregate]) {
      const { message, error } = await send(account)
      assert.equal(error, undefined, `EVM ${message.type}: the SDK's broadcast failed`)
      assert.equal(message.chain, 'ETH')
      assert.equal(await messageStatus(message.item_hash), 'processed')
      good = message
    }
  })
  test('the API finds them by the address in any case', async () => {
    await expectListed(account.address, 'ETH')
  })
  test('the same key signing as BASE, ARB, BSC, POL, OP: processed', async () => {
    for (const chain of ['BASE', 'ARB', 'BSC', 'POL', 'OP']) {
      const { message } = await sdkPost(account)
      const m = withContent({ ...message, chain }, (c) => (c.content.chain = chain))
      m.signature = await wallet.signMessage(bufferOf(m))
      await expectAccepted(m, `EVM as ${chain}`)
    }
  })
  test('a tampered copy is refused, naming the chain and its rule', async () => {
    await expectRefused(withContent(good, (c) => (c.content.chain = 'tampered')), 'ETH tampered', 'ETH:', 'EIP-191')
  })
  test('a copy under another 0x address is refused', async () => {
    const other = Wallet.createRandom().address
    await expectRefused(reshape(good, 'ETH', other), 'ETH other sender', 'ETH:', 'recovers')
  })
  test('signed as AVAX from a 0x sender: refused, as by pyaleph', async () => {
    const { message } = await sdkPost(account)
    // New content: the node answers a known item_hash with its status.
    const m = withContent({ ...message, chain: 'AVAX' }, (c) => (c.content.chain = 'AVAX'))
    m.signature = await wallet.signMessage(bufferOf(m))
    await expectRefused(m, 'EVM as AVAX', 'AVAX:', 'Avalanche key pairs')
  })
})
