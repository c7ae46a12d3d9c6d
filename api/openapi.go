package api

import (
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// routeDoc describes one route in the OpenAPI document. Pyaleph marks the
// routes of pyaleph's routes.py; the others are alephd's own.
type routeDoc struct {
	Summary string
	Pyaleph bool
}

// routeDocs describes every route the server registers, keyed by method
// and gin path; TestOpenAPI fails on a route missing here, so the document
// covers the API as served.
var routeDocs = map[string]routeDoc{
	"GET /":                                                 {"pyaleph's index values (metrics and version), as JSON", true},
	"GET /version":                                          {"the node's version", true},
	"GET /metrics":                                          {"Prometheus metrics: alephd's series and pyaleph's names where the meaning is the same", true},
	"GET /metrics.json":                                     {"pyaleph's Metrics as JSON", true},
	"GET /api/openapi.json":                                 {"this document", false},
	"GET /api/docs":                                         {"a page listing the routes, pointing to /api/openapi.json", false},
	"GET /api/ws0/messages":                                 {"websocket: the messages.json filters plus history=N; the N latest matches, then each new one", true},
	"GET /api/ws0/status":                                   {"websocket: the node's metrics on connect, then whenever they change", true},
	"GET /api/v0/version":                                   {"the node's version", true},
	"GET /api/v0/metrics.json":                              {"pyaleph's Metrics as JSON", false},
	"GET /api/v0/info/public.json":                          {"public multiaddresses (none: alephd has no libp2p)", true},
	"POST /api/v0/messages":                                 {"submit a signed message {message, sync} through the mempool", true},
	"POST /api/v0/ipfs/pubsub/pub":                          {"legacy submit {topic: ALEPH-TEST, data: message}", true},
	"POST /api/v0/p2p/pubsub/pub":                           {"legacy submit {topic: ALEPH-TEST, data: message}", true},
	"GET /api/v0/messages.json":                             {"messages, filtered; pages or a cursor", true},
	"GET /api/v0/messages/page/:page":                       {"messages.json at page {page}.json", true},
	"GET /api/v0/messages/hashes":                           {"item hashes of messages, filtered", true},
	"GET /api/v0/messages/:hash":                            {"a message and its status", true},
	"GET /api/v0/messages/:hash/status":                     {"a message's status", true},
	"GET /api/v0/messages/:hash/content":                    {"a message's content (a POST's content.content)", true},
	"GET /api/v0/messages/:hash/consumed_credits":           {"404: alephd has no credits", true},
	"GET /api/v0/aggregates/:address":                       {"an address's aggregates, at {address}.json; keys, limit, with_info, value_only", true},
	"GET /api/v0/aggregates":                                {"aggregates of all addresses, by last change or creation; pages or a cursor", true},
	"GET /api/v0/aggregates.json":                           {"the aggregates list", true},
	"GET /api/v0/posts.json":                                {"posts with their latest amend (v0 shape); pages or a cursor", true},
	"GET /api/v0/posts/page/:page":                          {"posts.json at page {page}.json", true},
	"GET /api/v1/posts.json":                                {"posts with their latest amend (v1 shape); pages or a cursor", true},
	"GET /api/v1/posts/page/:page":                          {"v1 posts.json at page {page}.json", true},
	"POST /api/v0/storage/add_json":                         {"store a JSON document (sha256)", true},
	"POST /api/v0/storage/add_file":                         {"store a file (sha256), with a signed STORE in metadata or unauthenticated", true},
	"POST /api/v0/ipfs/add_json":                            {"store a JSON document as IPFS content", true},
	"POST /api/v0/ipfs/add_file":                            {"store a file as IPFS content", true},
	"POST /api/v0/ipfs/add_car":                             {"501: alephd has no CAR import", true},
	"GET /api/v0/ipfs/block/:cid":                           {"an IPFS block's raw bytes, if this node holds it (never fetched from the network for the asker), up to 2 MiB: what a resource node fetches a file's DAG by", false},
	"GET /api/v0/storage/raw/:hash":                         {"a file's bytes", true},
	"HEAD /api/v0/storage/raw/:hash":                        {"a file's status and Content-Length", true},
	"GET /api/v0/storage/:hash":                             {"a file, base64 in JSON", true},
	"GET /api/v0/storage/limits.json":                       {"upload limits", true},
	"GET /api/v0/storage/count/:hash":                       {"how many live STOREs keep a file", true},
	"GET /api/v0/storage/metadata/:hash":                    {"a file's hash, size and download URL", true},
	"GET /api/v0/storage/by-message-hash/:hash":             {"the file of a STORE", true},
	"GET /api/v0/storage/by-ref/:ref":                       {"the file of the newest STORE under a file tag", true},
	"GET /api/v0/storage/by-ref/:ref/:tag":                  {"the file of an address's newest STORE under a tag: /storage/by-ref/{address}/{ref}", true},
	"GET /api/v0/channels/list.json":                        {"channels in use", true},
	"GET /api/v0/addresses/stats.json":                      {"messages per address, by type (addresses[]=, comma list, or all)", true},
	"GET /api/v1/addresses/stats.json":                      {"addresses ranked by message counts; pages or a cursor", true},
	"GET /api/v0/addresses/:address/files":                  {"an address's files and their total size", true},
	"GET /api/v0/addresses/:address/post_types":             {"the post types an address used", true},
	"GET /api/v0/addresses/:address/channels":               {"the channels an address used", true},
	"GET /api/v0/addresses/:address/balance":                {"an address's ALEPH balance, locked amount and personal storage", true},
	"GET /api/v0/addresses/:address/credit_history":         {"404: alephd has no credits", true},
	"GET /api/v0/addresses/:address/credit_history/summary": {"404: alephd has no credits", true},
	"GET /api/v0/credit_balances":                           {"404: alephd has no credits", true},
	"GET /api/v0/balances":                                  {"balances by address and chain; pages or a cursor", true},
	"GET /api/v0/price/:hash":                               {"what a message was charged, in ALEPH held", true},
	"POST /api/v0/price/estimate":                           {"what a message would cost its owner's personal storage", true},
	"POST /api/v0/price/estimate/instance":                  {"what an INSTANCE would cost (one message of quota)", true},
	"POST /api/v0/price/recalculate":                        {"nothing to recalculate: prices come from state", true},
	"POST /api/v0/price/:hash/recalculate":                  {"nothing to recalculate: prices come from state", true},
	"GET /api/v0/costs":                                     {"hold costs of an address or a message; credit and superfluid are 0", true},
	"GET /api/v0/authorizations/granted/:address":           {"the authorizations an address grants (its security aggregate), at {address}.json", true},
	"GET /api/v0/authorizations/received/:address":          {"the authorizations an address receives, at {address}.json", true},
	"GET /api/v0/core/:node_id/metrics":                     {"404: alephd keeps no node metrics", true},
	"GET /api/v0/compute/:node_id/metrics":                  {"a resource node's storage-proof score window, one column entry per epoch; 404 if none", true},
	"GET /api/v0/compute/:node_id/files":                    {"the files assigned to a resource node (hash, type, size, chunk root) and the chain id: what it fetches and keeps", false},
	"GET /api/v0/compute/:node_id/challenges":               {"a resource node's open storage challenges, their deadline and chunk size, the chain id and the chain's proof limits", false},
	"POST /api/v0/compute/:node_id/proofs":                  {"submit a resource node's signed StorageProof (protobuf body) through the mempool", false},
	"GET /api/v0/programs/on/message":                       {"PROGRAMs subscribed to messages", true},
	"GET /api/v0/addresses/:address/storage":                {"an address's balance, endorsements and personal storage", false},
	"GET /api/v0/channels/:channel/endorsements":            {"who endorses a channel, and the capacity it buys", false},
	"GET /api/v0/addresses/:address/stakes":                 {"what an address stakes, on which nodes", false},
	"GET /api/v0/nodes":                                     {"the node registry", false},
	"GET /api/v0/nodes/:hash":                               {"one node", false},
	"GET /api/v0/validators":                                {"the validator set that signs the next height", false},
	"GET /api/v0/params":                                    {"every module's params", false},
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// openAPI builds an OpenAPI 3 document from the registered routes.
func (s *Server) openAPI() gin.H {
	paths := gin.H{}
	routes := s.engine.Routes()
	slices.SortFunc(routes, func(a, b gin.RouteInfo) int { return strings.Compare(a.Path+a.Method, b.Path+b.Method) })
	for _, r := range routes {
		path := ginParam.ReplaceAllString(r.Path, "{$1}")
		doc, known := routeDocs[r.Method+" "+r.Path]
		if !known && r.Method == http.MethodHead { // headRoutes' mirror of a GET
			doc, known = routeDocs[http.MethodGet+" "+r.Path]
			doc.Summary = "the GET's status and headers: " + doc.Summary
		}
		op := gin.H{"summary": doc.Summary, "x-pyaleph": doc.Pyaleph, "responses": gin.H{"200": gin.H{"description": "OK"}}}
		if !known {
			op["summary"], op["x-undocumented"] = "(no description)", true
		}
		var params []gin.H
		for _, m := range ginParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, gin.H{"name": m[1], "in": "path", "required": true, "schema": gin.H{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		item, _ := paths[path].(gin.H)
		if item == nil {
			item = gin.H{}
			paths[path] = item
		}
		item[strings.ToLower(r.Method)] = op
	}
	return gin.H{
		"openapi": "3.0.3",
		"info": gin.H{"title": "alephd HTTP API", "version": Version,
			"description": "pyaleph's API (x-pyaleph: true marks the routes of pyaleph's routes.py) and alephd's own routes"},
		"paths": paths,
	}
}

// getOpenAPI is GET /api/openapi.json.
func (s *Server) getOpenAPI(c *gin.Context) { c.JSON(http.StatusOK, s.openAPI()) }

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>alephd API</title></head>
<body><h1>alephd API {{.Version}}</h1>
<p>The OpenAPI 3 document: <a href="/api/openapi.json">/api/openapi.json</a>. Routes marked pyaleph are those of pyaleph's routes.py.</p>
<table><tr><th>method</th><th>path</th><th></th><th>what</th></tr>
{{range .Routes}}<tr><td>{{.Method}}</td><td><code>{{.Path}}</code></td><td>{{if .Pyaleph}}pyaleph{{end}}</td><td>{{.Summary}}</td></tr>
{{end}}</table></body></html>`))

// getDocs is GET /api/docs: the routes, and a link to the OpenAPI document.
func (s *Server) getDocs(c *gin.Context) {
	type row struct {
		Method, Path, Summary string
		Pyaleph               bool
	}
	var rows []row
	routes := s.engine.Routes()
	slices.SortFunc(routes, func(a, b gin.RouteInfo) int { return strings.Compare(a.Path+a.Method, b.Path+b.Method) })
	for _, r := range routes {
		d, ok := routeDocs[r.Method+" "+r.Path]
		if !ok && r.Method == http.MethodHead {
			d = routeDocs[http.MethodGet+" "+r.Path]
		}
		rows = append(rows, row{r.Method, ginParam.ReplaceAllString(r.Path, "{$1}"), d.Summary, d.Pyaleph})
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := docsPage.Execute(c.Writer, gin.H{"Version": Version, "Routes": rows}); err != nil {
		_ = c.Error(err) // the page is partly written; nothing more to send
	}
}
