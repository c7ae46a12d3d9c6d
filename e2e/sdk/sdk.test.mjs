// End-to-end test: drives a running alephd HTTP API with the official Aleph
// TypeScript SDK (@aleph-sdk/client 1.7.x), unchanged.
//
//   npm ci && ALEPHD_API=http://127.0.0.1:4024 node --test sdk.test.mjs
//
// Env:
//   ALEPHD_API  base URL of the alephd API (default http://127.0.0.1:4024)
//   ALEPHD_KEY  hex secp256k1 private key, with or without 0x (default: a fresh
//               random key per run)
//
// The steps share state and run strictly in order; a step whose prerequisite
// failed fails immediately with "prerequisite step failed".

import { createHash, randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'

import { AuthenticatedAlephHttpClient } from '@aleph-sdk/client'
import { importAccountFromPrivateKey } from '@aleph-sdk/ethereum'
import { BaseMessageClient, ItemType, MessageType } from '@aleph-sdk/message'
import { Wallet } from 'ethers'
import { request as httpRequest } from 'node:http'

import { sdk19 } from './sdk19.mjs'

// The @aleph-sdk packages have no "exports" map, so Node loads their CommonJS
// builds (dist/index.cjs), which require('axios'). Load the same CJS axios
// instance so the interceptors below see the SDK's requests.
const axios = createRequire(import.meta.url)('axios')

const API = (process.env.ALEPHD_API || 'http://127.0.0.1:4024').replace(/\/+\s*$/, '')
const WS = API.replace(/^http/i, 'ws') // http->ws, https->wss
const KEY = normalizeKey(process.env.ALEPHD_KEY) || Wallet.createRandom().privateKey

const RUN = randomBytes(6).toString('hex')
const CHANNEL = `ALEPHD-E2E-${RUN}`
const POST_TYPE = `alephd-e2e-${RUN}`
const AGG_KEY = `alephd-e2e-${RUN}`
const STEP_TIMEOUT = 60_000

const account = importAccountFromPrivateKey(KEY)
const next = sdk19(API) // the SDK 1.9 calls npm does not serve yet (sdk19.mjs)
const client = new AuthenticatedAlephHttpClient(account, API)
// AlephHttpClient builds its BaseMessageClient with only the HTTP URL, so the
// websocket URL would default to wss://api3.aleph.im. Point it at alephd.
client.messageClient = new BaseMessageClient(API, WS)

// ---- wire recorder: every HTTP exchange the SDK makes (it uses the default
// axios instance) so that assertions can check the status codes it got.
const wire = []
axios.defaults.timeout = STEP_TIMEOUT
axios.interceptors.response.use(
  (res) => {
    wire.push({ method: res.config.method?.toUpperCase(), url: res.config.url, status: res.status })
    return res
  },
  (err) => {
    wire.push({ method: err.config?.method?.toUpperCase(), url: err.config?.url, status: err.response?.status ?? err.code })
    return Promise.reject(err)
  },
)
function lastWire(method, pathSuffix) {
  for (let i = wire.length - 1; i >= 0; i--) {
    const w = wire[i]
    if (w.method === method && String(w.url).endsWith(pathSuffix)) return w
  }
  return undefined
}

// ---- helpers
function normalizeKey(k) {
  if (!k) return undefined
  k = k.trim()
  return k.startsWith('0x') ? k : `0x${k}`
}
const sha256hex = (data) => createHash('sha256').update(data).digest('hex')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// Raw GET against the API (independent of the SDK) returning status + JSON.
async function rawGet(path) {
  const res = await fetch(`${API}${path}`, { signal: AbortSignal.timeout(STEP_TIMEOUT) })
  const text = await res.text()
  let body
  try {
    body = JSON.parse(text)
  } catch {
    body = text
  }
  return { status: res.status, body }
}

async function waitFor(fn, { timeout = 15_000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout}ms waiting for ${what}`)
    await sleep(interval)
  }
}

// test() wrapper: fixed timeout, and on failure report (as test diagnostics)
// the HTTP exchanges the SDK made during the step: method, URL, status.
function step(name, fn) {
  test(name, { timeout: STEP_TIMEOUT }, async (t) => {
    const mark = wire.length
    try {
      await fn(t)
    } catch (err) {
      for (const w of wire.slice(mark).slice(-10)) t.diagnostic(`SDK HTTP: ${w.method} ${w.url} -> ${w.status}`)
      throw err
    }
  })
}

function need(value, what) {
  if (value === undefined || value === null) throw new Error(`prerequisite step failed: no ${what}`)
  return value
}

function assertSignedMessage(msg, { type, channel }) {
  assert.equal(msg.chain, 'ETH')
  assert.equal(msg.sender, account.address)
  assert.equal(msg.type, type)
  assert.equal(msg.channel, channel)
  assert.equal(msg.item_type, ItemType.inline)
  assert.match(msg.item_hash, /^[0-9a-f]{64}$/)
  assert.equal(msg.item_hash, sha256hex(msg.item_content), 'inline item_hash must be sha256(item_content)')
  assert.match(msg.signature, /^0x[0-9a-f]{130}$/i)
}

// ---- shared state between ordered steps
const state = {}

describe(`alephd SDK e2e (api=${API}, channel=${CHANNEL})`, { concurrency: false }, () => {
  before(() => {
    console.log(`# api=${API} ws=${WS} address=${account.address} channel=${CHANNEL}`)
  })

  after(() => {
    if (state.socket) state.socket.closeSocket()
  })

  step('createPost (sync) is processed and addressable by its item_hash', async () => {
    const content = { body: 'hello from the alephd SDK e2e test', run: RUN, n: 1, nested: { ok: true } }
    const post = await client.createPost({ postType: POST_TYPE, content, channel: CHANNEL, sync: true })
    state.post = post
    state.postContent = content

    assertSignedMessage(post, { type: MessageType.post, channel: CHANNEL })
    const inner = JSON.parse(post.item_content)
    assert.equal(inner.type, POST_TYPE)
    assert.equal(inner.address, account.address)
    assert.deepEqual(inner.content, content)

    // sync=true: the server must answer 200 (processed), not 202 (pending).
    assert.equal(lastWire('POST', '/api/v0/messages')?.status, 200, 'POST /api/v0/messages sync=true must return 200')

    // ...and the message must be processed right now, without polling.
    const { status, body } = await rawGet(`/api/v0/messages/${post.item_hash}`)
    assert.equal(status, 200)
    assert.equal(body.status, 'processed')
    assert.equal(body.item_hash, post.item_hash)
    assert.equal(body.message.item_hash, post.item_hash)
  })

  step('createAggregate twice on one key: fetchAggregate returns the shallow merge', async () => {
    const first = await client.createAggregate({
      key: AGG_KEY,
      content: { a: 1, shared: 'first', obj: { x: 1, y: 1 } },
      channel: CHANNEL,
      sync: true,
    })
    state.aggregates = [first]
    assertSignedMessage(first, { type: MessageType.aggregate, channel: CHANNEL })
    assert.equal(lastWire('POST', '/api/v0/messages')?.status, 200)

    await sleep(20) // guarantee a strictly later content.time
    const second = await client.createAggregate({
      key: AGG_KEY,
      content: { b: 2, shared: 'second', obj: { z: 3 } },
      channel: CHANNEL,
      sync: true,
    })
    state.aggregates = [first, second]
    assertSignedMessage(second, { type: MessageType.aggregate, channel: CHANNEL })
    assert.equal(lastWire('POST', '/api/v0/messages')?.status, 200)

    // Shallow merge, later time wins; nested objects are replaced, not merged.
    const expected = { a: 1, b: 2, shared: 'second', obj: { z: 3 } }
    const value = await client.fetchAggregate(account.address, AGG_KEY)
    assert.deepEqual(value, expected)

    const all = await client.fetchAggregates(account.address, [AGG_KEY])
    assert.deepEqual(all, { [AGG_KEY]: expected })

    // Unknown key for this address: the SDK maps the 404 to MessageNotFoundError.
    await assert.rejects(client.fetchAggregate(account.address, `${AGG_KEY}-missing`), { name: 'MessageNotFoundError' })
  })

  step('createStore (sync) uploads a file and downloadFile returns the same bytes', async () => {
    const bytes = Buffer.concat([Buffer.from(`alephd e2e ${RUN}\n`), randomBytes(4096), Buffer.from([0x00, 0xff, 0x80])])
    const fileHash = sha256hex(bytes)

    // Must be a Blob in Node: a Buffer is turned into a text form field by the
    // global FormData and its bytes are mangled (hash mismatch).
    const store = await client.createStore({ fileObject: new Blob([bytes]), channel: CHANNEL, sync: true })
    state.store = store
    assertSignedMessage(store, { type: MessageType.store, channel: CHANNEL })
    assert.equal(store.content.item_hash, fileHash)
    assert.equal(store.content.item_type, ItemType.storage)

    const upload = lastWire('POST', '/api/v0/storage/add_file')
    assert.equal(upload?.status, 200, 'POST /api/v0/storage/add_file sync=true must return 200')

    const { status, body } = await rawGet(`/api/v0/messages/${store.item_hash}`)
    assert.equal(status, 200)
    assert.equal(body.status, 'processed')
    assert.equal(body.message.content.item_hash, fileHash)

    // GET /api/v0/storage/raw/{file_hash} (the file's sha256, not the message hash)
    const downloaded = await client.downloadFile(fileHash)
    assert.ok(downloaded instanceof ArrayBuffer || ArrayBuffer.isView(downloaded))
    assert.ok(Buffer.from(downloaded).equals(bytes), 'downloaded bytes differ from uploaded bytes')
  })

  step('getPosts filtered by channel/type/address finds the post', async () => {
    const post = need(state.post, 'post')
    const res = await client.getPosts({ channels: [CHANNEL], types: [POST_TYPE], addresses: [account.address] })

    assert.ok(Array.isArray(res.posts), 'response.posts must be an array')
    assert.equal(res.posts.length, 1, `exactly one post in channel ${CHANNEL}`)
    assert.equal(res.pagination_item, 'posts')
    assert.equal(res.pagination_page, 1)
    assert.equal(res.pagination_per_page, 50) // the SDK always sends pagination=50
    assert.equal(res.pagination_total, 1)

    const p = res.posts[0]
    assert.equal(p.item_hash, post.item_hash)
    assert.equal(p.original_item_hash, post.item_hash)
    assert.equal(p.hash, post.item_hash)
    assert.equal(p.type, POST_TYPE) // v0: the post type, not "POST"
    assert.equal(p.channel, CHANNEL)
    assert.equal(p.sender, account.address)
    assert.equal(p.address, account.address)
    assert.equal(p.chain, 'ETH')
    assert.equal(p.signature, post.signature)
    assert.equal(p.item_type, 'inline')
    assert.deepEqual(p.content, state.postContent) // v0: content is the user payload
    assert.equal(typeof p.time, 'number')

    // A filter that must not match anything.
    const none = await client.getPosts({ channels: [CHANNEL], types: [`${POST_TYPE}-other`] })
    assert.equal(none.posts.length, 0)
  })

  step('getMessage returns the processed POST', async () => {
    const post = need(state.post, 'post')
    const m = await client.getMessage(post.item_hash)
    assert.ok(m, 'getMessage returned nothing (status not "processed"?)')
    assert.equal(m.item_hash, post.item_hash)
    assert.equal(m.type, 'POST')
    assert.equal(m.chain, 'ETH')
    assert.equal(m.sender, account.address)
    assert.equal(m.channel, CHANNEL)
    assert.equal(m.item_type, 'inline')
    assert.equal(m.item_content, post.item_content)
    assert.equal(m.signature, post.signature)
    assert.equal(typeof m.time, 'number')
    assert.ok(Math.abs(m.time - post.time) < 1e-3, `time ${m.time} != ${post.time}`)
    assert.equal(m.content.type, POST_TYPE)
    assert.equal(m.content.address, account.address)
    assert.deepEqual(m.content.content, state.postContent)
    assert.equal(typeof m.confirmed, 'boolean')
    assert.ok(Array.isArray(m.confirmations))

    // Typed variant and unknown hash.
    const typed = await client.messageClient.get({ hash: post.item_hash, messageType: MessageType.post })
    assert.equal(typed.item_hash, post.item_hash)
    await assert.rejects(client.getMessage(sha256hex(`missing-${RUN}`)), { name: 'MessageNotFoundError' })
  })

  step('getMessages filters by addresses, channels and message types', async () => {
    const post = need(state.post, 'post')
    const aggregates = need(state.aggregates?.length === 2 ? state.aggregates : undefined, 'aggregates')
    const store = need(state.store, 'store')

    const posts = await client.getMessages({
      addresses: [account.address],
      channels: [CHANNEL],
      messageTypes: [MessageType.post],
    })
    assert.ok(Array.isArray(posts.messages))
    assert.deepEqual(posts.messages.map((m) => m.item_hash), [post.item_hash])
    assert.equal(posts.pagination_item, 'messages')
    assert.equal(posts.pagination_page, 1)
    assert.equal(posts.pagination_per_page, 20) // SDK default
    assert.equal(posts.pagination_total, 1)
    const m = posts.messages[0]
    assert.equal(m.sender, account.address)
    assert.equal(m.type, 'POST')
    assert.equal(m.channel, CHANNEL)
    assert.equal(m.signature, post.signature)
    assert.equal(m.item_content, post.item_content)
    assert.deepEqual(m.content.content, state.postContent)
    assert.equal(typeof m.time, 'number')

    const aggs = await client.getMessages({
      addresses: [account.address],
      channels: [CHANNEL],
      messageTypes: [MessageType.aggregate],
    })
    assert.deepEqual(
      new Set(aggs.messages.map((x) => x.item_hash)),
      new Set(aggregates.map((x) => x.item_hash)),
    )
    assert.ok(aggs.messages.every((x) => x.type === 'AGGREGATE' && x.content.key === AGG_KEY))
    // default sort: newest first
    assert.equal(aggs.messages[0].item_hash, aggregates[1].item_hash)

    const everything = await client.getMessages({ addresses: [account.address], channels: [CHANNEL] })
    assert.deepEqual(
      new Set(everything.messages.map((x) => x.item_hash)),
      new Set([post.item_hash, ...aggregates.map((x) => x.item_hash), store.item_hash]),
    )
    assert.equal(everything.pagination_total, 4)

    const byHash = await client.getMessages({ hashes: [store.item_hash] })
    assert.deepEqual(byHash.messages.map((x) => x.item_hash), [store.item_hash])
    assert.equal(byHash.messages[0].type, 'STORE')

    const paged = await client.getMessages({ addresses: [account.address], channels: [CHANNEL], pagination: 2, page: 2 })
    assert.equal(paged.messages.length, 2)
    assert.equal(paged.pagination_page, 2)
    assert.equal(paged.pagination_per_page, 2)
  })

  step('prices: getCost of the STORE and getEstimatedCost of a new one (SDK 1.7.4)', async () => {
    const store = need(state.store, 'store')
    // GET /api/v0/price/{item_hash}
    const cost = await client.storeClient.getCost(store.item_hash)
    assert.equal(cost.payment_type, 'hold')
    assert.equal(typeof cost.required_tokens, 'number')
    assert.ok(cost.required_tokens > 0, `a STORE paid from personal storage costs something: ${JSON.stringify(cost)}`)
    assert.match(cost.cost, /^\d+\.\d{18}$/)
    assert.deepEqual(cost.detail.map((d) => d.type), ['MESSAGE', 'STORAGE'])
    assert.equal(cost.charged_address.toLowerCase(), account.address.toLowerCase())

    // POST /api/v0/price/estimate {message: {item_type, item_hash, item_content, type}};
    // the SDK sends estimated_size_mib = ceil(file size in MiB) = 1.
    const est = await client.storeClient.getEstimatedCost({ account, channel: CHANNEL, fileObject: new Blob([randomBytes(1000)]) })
    assert.equal(est.payment_type, 'hold')
    const storage = est.detail.find((d) => d.type === 'STORAGE')
    assert.equal(storage?.size_mib, 1)
    assert.ok(est.required_tokens >= cost.required_tokens)

    // estimateInstanceCost (1.9): POST /api/v0/price/estimate/instance
    const inst = await next.estimateInstanceCost({ content: { address: account.address, resources: { vcpus: 1, memory: 2048 } } })
    assert.equal(inst.payment_type, 'hold')
  })

  step('SDK 1.9 node, address, aggregate, balance and file calls', async () => {
    const store = need(state.store, 'store')
    const aggregates = need(state.aggregates?.length === 2 ? state.aggregates : undefined, 'aggregates')
    const fileHash = store.content.item_hash
    const lower = account.address.toLowerCase()

    const version = await next.getNodeVersion() // GET /version
    assert.equal(typeof version.version, 'string')
    assert.ok(Array.isArray((await next.getNodePublicInfo()).node_multi_addresses))
    assert.ok((await next.listChannels()).channels.includes(CHANNEL))

    // addresses[]=<address>, as axios sends an array
    const stats = await next.getAddressStats({ addresses: [account.address] })
    const mine = Object.entries(stats.data).find(([a]) => a.toLowerCase() === lower)?.[1]
    assert.ok(mine, `stats.json has no entry for ${account.address}: ${JSON.stringify(stats)}`)
    assert.equal(mine.post, 1)
    assert.equal(mine.aggregate, 2)
    assert.equal(mine.store, 1)
    const v1 = await next.getAddressStatsV1({ addressContains: lower.slice(2, 12), pagination: 5 })
    assert.ok(Object.keys(v1.data).some((a) => a.toLowerCase() === lower))
    assert.equal(v1.pagination_item, 'addresses')

    const files = await next.getAddressFiles(account.address)
    assert.deepEqual(files.files.map((f) => f.file_hash), [fileHash])
    assert.equal(files.files[0].item_hash, store.item_hash)
    assert.equal(files.total_size, files.files[0].size)
    assert.deepEqual((await next.getAddressPostTypes(account.address)).post_types, [POST_TYPE])
    assert.deepEqual((await next.getAddressChannels(account.address)).channels, [CHANNEL])

    const list = await next.getAggregatesList({ addresses: [account.address], keys: [AGG_KEY] })
    assert.equal(list.aggregates.length, 1)
    assert.equal(list.pagination_total, 1)
    assert.ok(aggregates.length === 2)

    const balance = await next.getBalance(account.address, { includeCreditDetails: true })
    for (const k of ['address', 'balance', 'details', 'locked_amount', 'credit_balance']) assert.ok(k in balance, `balance lacks ${k}`)
    assert.deepEqual(balance.credit_balance_details, [])
    const balances = await next.getBalances({ pagination: 10, chains: ['ETH'] })
    assert.ok(Array.isArray(balances.balances))
    assert.equal(balances.pagination_item, 'balances')
    assert.ok(balances.balances.every((b) => b.chain === 'ETH'))

    const meta = await next.getFileMetadata(fileHash)
    assert.equal(meta.file_hash, fileHash)
    assert.equal(meta.size, files.files[0].size)
    assert.equal((await next.getFileMetadataByMessageHash(store.item_hash)).file_hash, fileHash)
  })

  step('cursor iteration over messages and posts, as the SDK 1.9 iterators do it', async () => {
    const post = need(state.post, 'post')
    const first = await next.getMessagesCursor({ addresses: [account.address], channels: [CHANNEL], pagination: 1 })
    // pyaleph's cursor mode from the first call (cursor=''): no page counts.
    assert.ok(!('pagination_total' in first) && !('pagination_page' in first), JSON.stringify(first))
    assert.equal(first.pagination_per_page, 1)
    assert.equal(typeof first.next_cursor, 'string')

    const seen = []
    for await (const m of next.getMessagesIterator({ addresses: [account.address], channels: [CHANNEL], pagination: 1 })) seen.push(m.item_hash)
    const paged = await client.getMessages({ addresses: [account.address], channels: [CHANNEL], pagination: 100 })
    assert.deepEqual(seen, paged.messages.map((m) => m.item_hash), 'the cursor walk and one page list the same messages, in the same order')
    assert.equal(new Set(seen).size, 4)

    const posts = []
    for await (const p of next.getPostsIterator({ channels: [CHANNEL], types: [POST_TYPE], pagination: 1 })) posts.push(p.item_hash)
    assert.deepEqual(posts, [post.item_hash])
  })

  step('CORS: a browser preflight for a JSON POST, then a cross-origin GET', async () => {
    const origin = 'https://app.example.test'
    const call = (method, path, headers) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(`${API}${path}`, { method, headers }, (res) => {
          res.resume()
          res.on('end', () => resolve(res))
        })
        req.on('error', reject)
        req.end()
      })
    const pre = await call('OPTIONS', '/api/v0/messages', {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-custom',
    })
    assert.ok(pre.statusCode === 200 || pre.statusCode === 204, `preflight: ${pre.statusCode}`)
    assert.equal(pre.headers['access-control-allow-origin'], origin)
    assert.match(pre.headers['access-control-allow-methods'] ?? '', /POST/)
    assert.match((pre.headers['access-control-allow-headers'] ?? '').toLowerCase(), /content-type/)
    const get = await call('GET', '/api/v0/messages.json?pagination=1', { Origin: origin })
    assert.equal(get.statusCode, 200)
    assert.equal(get.headers['access-control-allow-origin'], origin)
  })

  step('forget (sync) removes the post', async () => {
    const post = need(state.post, 'post')
    const forget = await client.forget({ hashes: [post.item_hash], reason: 'alephd e2e', channel: CHANNEL, sync: true })
    state.forget = forget
    assertSignedMessage(forget, { type: MessageType.forget, channel: CHANNEL })
    assert.deepEqual(forget.content.hashes, [post.item_hash])
    assert.equal(lastWire('POST', '/api/v0/messages')?.status, 200)

    const { status, body } = await rawGet(`/api/v0/messages/${post.item_hash}`)
    assert.equal(status, 200)
    assert.equal(body.status, 'forgotten')
    assert.ok(Array.isArray(body.forgotten_by) && body.forgotten_by.includes(forget.item_hash))

    await assert.rejects(client.getMessage(post.item_hash), { name: 'ForgottenMessageError' })

    const posts = await client.getPosts({ channels: [CHANNEL], types: [POST_TYPE] })
    assert.equal(posts.posts.length, 0, 'forgotten post is still listed by getPosts')

    const msgs = await client.getMessages({ channels: [CHANNEL], messageTypes: [MessageType.post] })
    assert.equal(msgs.messages.length, 0, 'forgotten post is still listed by getMessages')

    const f = await client.getMessage(forget.item_hash)
    assert.equal(f.type, 'FORGET')
    assert.deepEqual(f.content.hashes, [post.item_hash])
  })

  step('watchMessages websocket: history, then a live POST for the test address', async () => {
    const store = need(state.store, 'store')
    const forget = need(state.forget, 'forget')

    // GET ws://.../api/ws0/messages?addresses=<addr>&channels=<ch>&history=2
    const socket = await client.watchMessages({ addresses: [account.address], channels: [CHANNEL], history: 2 })
    state.socket = socket
    await waitFor(() => socket.getIsOpen(), { timeout: 10_000, what: 'websocket open' })

    // The two most recent matching messages (the forgotten post is gone).
    await waitFor(() => socket.getData().length >= 2, { timeout: 10_000, what: '2 history frames' })
    await sleep(300) // let any (wrong) extra history frame arrive
    const history = socket.getData().slice()
    assert.equal(history.length, 2, `expected 2 history frames, got ${history.length}`)
    assert.deepEqual(new Set(history.map((m) => m.item_hash)), new Set([store.item_hash, forget.item_hash]))

    const content = { body: 'live websocket post', run: RUN, n: 2 }
    const live = await client.createPost({ postType: POST_TYPE, content, channel: CHANNEL, sync: false })
    const st = lastWire('POST', '/api/v0/messages')?.status
    assert.ok(st === 200 || st === 202, `POST /api/v0/messages sync=false returned ${st}`)

    const frame = await waitFor(() => socket.getData().find((m) => m.item_hash === live.item_hash), {
      timeout: 20_000,
      what: `websocket frame for ${live.item_hash}`,
    })
    assert.equal(frame.type, 'POST')
    assert.equal(frame.sender, account.address)
    assert.equal(frame.chain, 'ETH')
    assert.equal(frame.channel, CHANNEL)
    assert.equal(frame.item_type, 'inline')
    assert.equal(frame.signature, live.signature)
    assert.equal(typeof frame.time, 'number')
    assert.equal(frame.content.type, POST_TYPE)
    assert.deepEqual(frame.content.content, content)

    // Every frame must satisfy the subscription filters.
    for (const m of socket.getData()) {
      assert.equal(m.sender, account.address)
      assert.equal(m.channel, CHANNEL)
    }

    socket.closeSocket()
    state.socket = undefined
  })
})
