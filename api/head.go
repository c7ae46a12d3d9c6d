package api

import (
	"net/http"
	"strings"
)

// headRoutes answers HEAD on every GET route that has no HEAD of its own,
// as aiohttp does for each of pyaleph's GET routes: the GET's status and
// headers, without the body (net/http drops it). Websocket routes are left
// out: a HEAD cannot upgrade.
func (s *Server) headRoutes() {
	routes := s.engine.Routes()
	has := map[string]bool{}
	for _, r := range routes {
		if r.Method == http.MethodHead {
			has[r.Path] = true
		}
	}
	for _, r := range routes {
		if r.Method == http.MethodGet && !has[r.Path] && !strings.HasPrefix(r.Path, "/api/ws0/") {
			s.engine.HEAD(r.Path, r.HandlerFunc)
		}
	}
}
