package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/alephd/alephd/app"
)

// computeMetrics is pyaleph's GET /api/v0/compute/{node_id}/metrics for a
// resource node: pyaleph answers the monitoring oracle's measurements
// (latencies) as columns, {"metrics": {"item_hash": [...], "measured_at":
// [...], ...}}, one row per measurement, and 404 for a node it has none
// of. alephd answers the node's storage-proof score window (x/resource) in
// that columnar shape, one row per epoch: epoch, height (the epoch's last
// height, where its tally completes: app.EpochScoreView),
// issued, passed, slots, up, score_bps and score (that epoch alone), with
// the window's score, score_bps, multiplier, zero_score_epochs and
// window_epochs beside metrics. 404 on a chain that keeps no scores or for
// a node no epoch has judged. sort is pyaleph's (asc/desc, 1/-1; epochs
// ascending by default); start_date and end_date must be numbers as in
// pyaleph but select nothing: an epoch's window is bounded by
// score_window_epochs, and state keeps heights, not times.
func (s *Server) computeMetrics(c *gin.Context) {
	nodeID := c.Param("node_id")
	for _, q := range []string{"start_date", "end_date"} {
		if v := c.Query(q); v != "" {
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				fail(c, http.StatusUnprocessableEntity, q+" must be a number (seconds since the epoch)")
				return
			}
		}
	}
	desc := false
	switch strings.ToUpper(c.Query("sort")) {
	case "", "1", "ASC", "ASCENDING":
	case "-1", "DESC", "DESCENDING":
		desc = true
	default:
		fail(c, http.StatusUnprocessableEntity, "sort must be asc, desc, 1 or -1")
		return
	}
	var v *app.ResourceScoreView
	if !s.queryJSON(c, app.PathResourceScore, []byte(nodeID), &v) {
		return
	}
	if v == nil {
		fail(c, http.StatusNotFound, "no score for resource node "+nodeID+": the chain keeps no scores (x/resource is off) or no epoch has judged the node yet")
		return
	}
	epochs := v.Epochs
	if desc {
		epochs = slices.Clone(epochs)
		slices.Reverse(epochs)
	}
	cols := map[string][]any{}
	for _, name := range []string{"epoch", "height", "issued", "passed", "slots", "up", "score_bps", "score"} {
		cols[name] = make([]any, 0, len(epochs))
	}
	for _, e := range epochs {
		cols["epoch"] = append(cols["epoch"], e.Epoch)
		cols["height"] = append(cols["height"], e.Height)
		cols["issued"] = append(cols["issued"], e.Issued)
		cols["passed"] = append(cols["passed"], e.Passed)
		cols["slots"] = append(cols["slots"], e.Slots)
		cols["up"] = append(cols["up"], e.Up)
		cols["score_bps"] = append(cols["score_bps"], e.ScoreBps)
		cols["score"] = append(cols["score"], app.Fraction(e.ScoreBps))
	}
	c.JSON(http.StatusOK, gin.H{"metrics": cols, "node_id": v.Node, "score": v.Score, "score_bps": v.ScoreBps, "multiplier": v.Multiplier,
		"zero_score_epochs": v.ZeroScoreEpochs, "window_epochs": v.WindowEpochs})
}
