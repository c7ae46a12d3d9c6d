package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/content"
	"github.com/alephd/alephd/index"
)

// Backend is what the API needs of the node.
type Backend interface {
	// Broadcast submits a transaction to the mempool and returns CheckTx's
	// code, codespace and log.
	Broadcast(ctx context.Context, tx []byte) (uint32, string, string, error)
	// Query runs an ABCI query on the latest committed state.
	Query(ctx context.Context, path string, data []byte) ([]byte, error)
	// LatestHeight is the last committed block height.
	LatestHeight() int64
}

// ErrKnown is what Broadcast returns for a transaction the node already
// has (in its mempool or recently seen): the API then reports its status.
var ErrKnown = errors.New("transaction already submitted")

// Version is served at /api/v0/version.
const Version = "alephd-0.1.0"

// maxBody bounds request bodies other than file uploads (pyaleph: 1 MiB).
const maxBody = 2 << 20

// syncTimeout is how long a sync submission waits for its block (pyaleph: 30 s).
const syncTimeout = 30 * time.Second

// Server is the HTTP API.
type Server struct {
	idx     *index.Index
	node    Backend
	files   *content.Store
	ipfs    content.Backend // nil: the content store's embedded one
	limits  uploadLimits
	engine  *gin.Engine
	http    *http.Server
	pending sync.Map // item_hash -> time.Time of messages in the mempool
	ws      wsGauges // open websocket connections
	// pendingAdds counts submissions, to sweep pending now and then.
	pendingAdds atomic.Uint64
}

// New builds the API over a node's index, backend and content store.
func New(idx *index.Index, node Backend, files *content.Store) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{idx: idx, node: node, files: files, limits: defaultLimits, engine: gin.New()}
	s.engine.Use(gin.Recovery(), cors, limitBody)
	metrics := s.metricsHandler() // its latency middleware must precede the routes
	s.routes()
	s.engine.GET("/metrics", metrics)
	s.headRoutes() // last: it mirrors every GET route
	return s
}

// Handler exposes the routes, for tests.
func (s *Server) Handler() http.Handler { return s.engine }

// Start listens on addr (host:port) and serves in the background.
func (s *Server) Start(addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s.http = &http.Server{Handler: s.engine, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return l.Addr().String(), nil
}

// Stop shuts the server down.
func (s *Server) Stop(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	return s.http.Shutdown(ctx)
}

func limitBody(c *gin.Context) {
	if c.Request.Body != nil && !uploadRoutes[c.FullPath()] {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	}
	c.Next()
}

func (s *Server) routes() {
	r := s.engine
	v0 := r.Group("/api/v0")
	v0.POST("/messages", s.postMessage)
	v0.POST("/ipfs/pubsub/pub", s.pubsubTopic)
	v0.POST("/p2p/pubsub/pub", s.pubsubTopic)
	v0.GET("/messages.json", s.listMessages)
	v0.GET("/messages/page/:page", s.listMessages)
	v0.GET("/messages/hashes", s.messageHashes)
	v0.GET("/messages/:hash", s.getMessage)
	v0.GET("/messages/:hash/status", s.getMessageStatus)
	v0.GET("/messages/:hash/content", s.getMessageContent)
	v0.GET("/aggregates/:address", s.getAggregatesOrRegistry)
	v0.GET("/aggregates", s.listAggregates)
	v0.GET("/aggregates.json", s.listAggregates)
	v0.GET("/posts.json", s.postsV0)
	v0.GET("/posts/page/:page", s.postsV0)
	r.GET("/api/v1/posts.json", s.postsV1)
	r.GET("/api/v1/posts/page/:page", s.postsV1)
	v0.POST("/storage/add_json", s.addJSON)
	v0.POST("/storage/add_file", s.addFile)
	v0.POST("/ipfs/add_json", s.ipfsAddJSON)
	v0.POST("/ipfs/add_file", s.ipfsAddFile)
	v0.GET("/ipfs/block/:cid", s.ipfsBlock)
	v0.GET("/storage/raw/:hash", s.rawFile)
	v0.HEAD("/storage/raw/:hash", s.headRaw)
	v0.GET("/storage/limits.json", s.storageLimits)
	v0.GET("/storage/count/:hash", s.fileCount)
	v0.GET("/storage/metadata/:hash", s.fileMetadata)
	v0.GET("/storage/by-message-hash/:hash", s.fileByMessage)
	v0.GET("/storage/by-ref/:ref", s.fileByRef)
	v0.GET("/storage/by-ref/:ref/:tag", s.fileByRef) // :ref is then the address: gin wants one name per segment
	v0.GET("/storage/:hash", s.getFile)
	v0.GET("/channels/list.json", s.channels)
	v0.GET("/addresses/stats.json", s.addressStatsV0)
	r.GET("/api/v1/addresses/stats.json", s.addressStatsV1)
	v0.GET("/addresses/:address/files", s.addressFiles)
	v0.GET("/addresses/:address/post_types", s.addressPostTypes)
	v0.GET("/addresses/:address/channels", s.addressChannels)
	v0.GET("/addresses/:address/balance", s.getBalance)
	v0.GET("/balances", s.listBalances)
	v0.GET("/price/:hash", s.messagePrice)
	v0.POST("/price/estimate", s.messagePriceEstimate)
	v0.GET("/costs", s.getCosts)
	r.GET("/api/ws0/status", s.watchStatus)
	v0.POST("/price/estimate/instance", s.instanceEstimate)
	v0.POST("/price/recalculate", recalculate)
	v0.POST("/price/:hash/recalculate", recalculate)
	v0.GET("/authorizations/granted/:address", s.grantedAuthorizations)
	v0.GET("/authorizations/received/:address", s.receivedAuthorizations)
	v0.GET("/core/:node_id/metrics", noNodeMetrics)
	v0.GET("/compute/:node_id/metrics", s.computeMetrics)
	s.resourceRoutes(v0)
	v0.POST("/ipfs/add_car", noCAR)
	v0.GET("/programs/on/message", s.programsOnMessage)
	r.GET("/version", version)
	r.GET("/api/openapi.json", s.getOpenAPI)
	r.GET("/api/docs", s.getDocs)
	v0.GET("/addresses/:address/storage", s.getStorage)
	v0.GET("/channels/:channel/endorsements", s.getChannelEndorsements)
	v0.GET("/addresses/:address/stakes", s.getStakes)
	v0.GET("/nodes", s.getNodes)
	v0.GET("/nodes/:hash", s.getNode)
	v0.GET("/validators", s.getValidators)
	v0.GET("/params", s.getParams)
	v0.GET("/info/public.json", s.publicInfo)
	v0.GET("/version", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"version": Version}) })
	r.GET("/api/ws0/messages", s.watchMessages)
	r.GET("/", s.index)
	r.GET("/metrics.json", s.getMetricsJSON) // pyaleph's path
	v0.GET("/metrics.json", s.getMetricsJSON)
	v0.GET("/credit_balances", noCredits)
	v0.GET("/addresses/:address/credit_history", noCredits)
	v0.GET("/addresses/:address/credit_history/summary", noCredits)
	v0.GET("/messages/:hash/consumed_credits", noCredits)
}

// fail answers a client error with a message the client can act on.
func fail(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}

var errBadNumber = errors.New("not a number in range")
