// The requests of the @aleph-sdk 1.9 methods that npm does not serve yet.
//
// npm's newest @aleph-sdk/client is 1.7.4; getAddressStats, getAddressFiles,
// getAggregatesList, getBalance(s), getNodeVersion, getFileMetadata, the
// cursor calls and the rest came later (aleph-im/aleph-sdk-ts v1.9.2, commit
// 53edf54c). Each function here sends the request that version sends, with
// the same axios instance and parameters, as read from its sources:
//   packages/message/src/address/impl.ts, balance/impl.ts, node/impl.ts,
//   aggregate/impl.ts (getAggregates), store/impl.ts (getFileMetadata*),
//   price/impl.ts (estimateInstanceCost), base/impl.ts and post/impl.ts
//   (getCursor and getAsyncIterator).
// The day npm has 1.9, these become the SDK's own calls.

import { createRequire } from 'node:module'

const axios = createRequire(import.meta.url)('axios')

// toQueryParam as @aleph-sdk/message's: a list is joined with commas, an
// empty one is left out.
const toQueryParam = (v) => (v === undefined ? undefined : Array.isArray(v) ? (v.length > 0 ? v.join(',') : undefined) : v || undefined)

export function sdk19(apiServer) {
  const get = async (path, params) => (await axios.get(`${apiServer}${path}`, { params })).data
  const client = {
    getNodeVersion: () => get('/version'),
    getNodePublicInfo: () => get('/api/v0/info/public.json'),
    listChannels: () => get('/api/v0/channels/list.json'),
    getAddressStats: ({ addresses } = {}) =>
      get('/api/v0/addresses/stats.json', {
        addresses: addresses === undefined ? undefined : Array.isArray(addresses) ? addresses : [addresses],
      }),
    getAddressStatsV1: ({ addressContains, sortBy, sortOrder, pagination, page } = {}) =>
      get('/api/v1/addresses/stats.json', { addressContains, sortBy, sortOrder, pagination, page }),
    getAddressFiles: (address, { pagination, page, sortOrder, fileHash } = {}) =>
      get(`/api/v0/addresses/${encodeURIComponent(address)}/files`, { pagination, page, sort_order: sortOrder, file_hash: fileHash }),
    getAddressPostTypes: (address) => get(`/api/v0/addresses/${encodeURIComponent(address)}/post_types`),
    getAddressChannels: (address) => get(`/api/v0/addresses/${encodeURIComponent(address)}/channels`),
    getAggregatesList: ({ keys, addresses, sortBy, sortOrder, pagination, page } = {}) =>
      get('/api/v0/aggregates', { keys: toQueryParam(keys), addresses: toQueryParam(addresses), sortBy, sortOrder, pagination, page }),
    getBalance: (address, { chain, includeCreditDetails } = {}) =>
      get(`/api/v0/addresses/${address}/balance`, { chain, include_credit_details: includeCreditDetails }),
    getBalances: ({ pagination, page, chains, minBalance } = {}) =>
      get('/api/v0/balances', { pagination, page, chains: toQueryParam(chains), min_balance: minBalance }),
    getFileMetadata: (fileHash) => get(`/api/v0/storage/metadata/${fileHash}`),
    getFileMetadataByMessageHash: (messageHash) => get(`/api/v0/storage/by-message-hash/${messageHash}`),
    estimateInstanceCost: async ({ content }) => (await axios.post(`${apiServer}/api/v0/price/estimate/instance`, content)).data,
    // base/impl.ts getCursor: pagination defaults to 200, cursor to ''.
    getMessagesCursor: ({ pagination = 200, cursor = '', addresses, channels, messageTypes } = {}) =>
      get('/api/v0/messages.json', {
        pagination: Math.min(pagination, 200),
        cursor,
        addresses: toQueryParam(addresses),
        channels: toQueryParam(channels),
        msgTypes: toQueryParam(messageTypes),
      }),
    // post/impl.ts getCursor.
    getPostsCursor: ({ pagination = 200, cursor = '', types, channels, addresses } = {}) =>
      get('/api/v0/posts.json', {
        types: toQueryParam(types),
        pagination: Math.min(pagination, 200),
        cursor,
        addresses: toQueryParam(addresses),
        channels: toQueryParam(channels),
      }),
  }
  // getAsyncIterator: from cursor '' until next_cursor is null.
  const iterate = (call, item) =>
    async function* (config) {
      let cursor = ''
      for (;;) {
        const res = await call({ ...config, cursor })
        yield* res[item]
        if (res.next_cursor === null) return
        cursor = res.next_cursor
      }
    }
  client.getMessagesIterator = iterate(client.getMessagesCursor, 'messages')
  client.getPostsIterator = iterate(client.getPostsCursor, 'posts')
  return client
}
