package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/alephd/alephd/app/apptest"
	"github.com/alephd/alephd/client"
	"github.com/alephd/alephd/internal/testnode"
	"github.com/alephd/alephd/keys"
	"github.com/alephd/alephd/node"
	"github.com/alephd/alephd/x/message"
)

// pyalephRoute is one route of testdata/pyaleph-routes.json.
type pyalephRoute struct {
	Method, Path, Handler, Kind, Query string
	Status                             int
	Keys                               []string
	Alephd                             *struct {
		Status int
		Keys   []string
		Why    string
	}
}

type pyalephRoutes struct {
	Commit   string
	Excluded []struct{ Method, Path, Why string }
	Routes   []pyalephRoute
}

// routeFixture is what a node holds for the route walk: a funded owner
// with a post, a security aggregate granting a grantee, and a STORE.
type routeFixture struct {
	a                 apiClient
	owner, grantee    string
	post, store, file string
	fileBody          []byte
	newPost           func() []byte // a fresh signed POST's JSON
}

func startRouteFixture(t *testing.T, name string) (*node.Node, routeFixture) {
	t.Helper()
	k, grantee := keys.FromSeed(name+"-owner"), keys.FromSeed(name+"-grantee")
	home := testnode.Init(t, name, node.InitOptions{AppState: fundedGenesis(t, map[string]string{apptest.Address(k): "5"})})
	n := testnode.Start(t, home, true)
	f := routeFixture{a: apiClient{t, "http://" + n.APIAddress}, owner: apptest.Address(k), grantee: apptest.Address(grantee)}
	post := sign(t, k, client.Post("ROUTES", "note", map[string]any{"n": 1}, ""))
	if code, out := f.a.publish(post, true); code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	sec := sign(t, k, client.Aggregate("ROUTES", message.SecurityKey, map[string]any{"authorizations": []any{
		map[string]any{"address": f.grantee, "channels": []string{"ROUTES"}},
	}}))
	if code, out := f.a.publish(sec, true); code != 200 {
		t.Fatalf("security aggregate: %d %v", code, out)
	}
	f.fileBody = []byte("a file for the route walk")
	sum := sha256.Sum256(f.fileBody)
	f.file = hex.EncodeToString(sum[:])
	store := sign(t, k, client.Store("ROUTES", f.file, "storage", int64(len(f.fileBody))))
	upload(t, f.a, store, f.fileBody)
	f.post, f.store = post.ItemHash, store.ItemHash
	i := 0
	f.newPost = func() []byte {
		i++
		return message.ToJSON(sign(t, k, client.Post("ROUTES", "note", map[string]any{"n": 100 + i}, "")))
	}
	return n, f
}

// fill replaces a pyaleph path's {params} with the fixture's values.
func (f routeFixture) fill(path string) string {
	return strings.NewReplacer("{page}", "1", "{item_hash}", f.store, "{address}", f.owner, "{ref}", f.store,
		"{file_hash}", f.file, "{hash}", f.file, "{message_hash}", f.store, "{node_id}", strings.Repeat("ab", 32)).Replace(path)
}

// request sends route r as a client of pyaleph would, with a valid body.
func (f routeFixture) request(t *testing.T, r pyalephRoute) (int, []byte) {
	t.Helper()
	path := f.fill(r.Path)
	if strings.Contains(path, "/messages/") && !strings.Contains(path, "page") {
		path = strings.Replace(path, f.store, f.post, 1) // a message's routes: the post
	}
	if r.Query != "" {
		path += "?" + r.Query
	}
	var ctype string
	var body []byte
	switch r.Path {
	case "/api/v0/messages":
		body, _ = json.Marshal(map[string]any{"message": json.RawMessage(f.newPost()), "sync": true})
	case "/api/v0/p2p/pubsub/pub", "/api/v0/ipfs/pubsub/pub":
		body, _ = json.Marshal(map[string]any{"topic": "ALEPH-TEST", "data": string(f.newPost())})
	case "/api/v0/price/estimate":
		content, _ := json.Marshal(map[string]any{"address": f.owner, "item_type": "storage", "item_hash": f.file, "time": 1, "estimated_size_mib": 3})
		body, _ = json.Marshal(map[string]any{"message": map[string]any{"type": "STORE", "item_type": "inline", "item_hash": f.file, "item_content": string(content)}})
	case "/api/v0/price/estimate/instance":
		body, _ = json.Marshal(map[string]any{"address": f.owner, "resources": map[string]any{"vcpus": 1, "memory": 2048}})
	case "/api/v0/ipfs/add_json", "/api/v0/storage/add_json":
		body = []byte(`{"route": "walk"}`)
	case "/api/v0/ipfs/add_file", "/api/v0/storage/add_file", "/api/v0/ipfs/add_car":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		part, _ := w.CreateFormFile("file", "walk.txt")
		_, _ = part.Write([]byte("an unauthenticated upload"))
		_ = w.Close()
		ctype, body = w.FormDataContentType(), buf.Bytes()
	}
	if body != nil && ctype == "" {
		ctype = "application/json"
	}
	code, _, raw := f.a.do(r.Method, path, ctype, body)
	return code, raw
}

// firstFrame dials a websocket route and reads its first JSON frame.
func (f routeFixture) firstFrame(t *testing.T, r pyalephRoute) (int, []byte) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(f.a.base, "http") + r.Path
	if r.Query != "" {
		url += "?" + r.Query
	}
	conn, res, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		if res != nil {
			return res.StatusCode, nil
		}
		t.Fatalf("dial %s: %v", url, err)
	}
	defer conn.Close() //nolint:errcheck // the test is done with it
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, frame, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("%s: reading the first frame: %v", url, err)
	}
	return res.StatusCode, frame
}

// missingKeys lists the keys of want that raw (per kind) lacks.
func missingKeys(kind string, raw []byte, want []string) []string {
	var missing []string
	switch kind {
	case "text":
		for _, k := range want {
			if !bytes.Contains(raw, []byte("\n"+k)) {
				missing = append(missing, k)
			}
		}
	case "array":
		var v []any
		if json.Unmarshal(raw, &v) != nil {
			missing = append(missing, "(a JSON array)")
		}
	case "number":
		var v json.Number
		if json.Unmarshal(raw, &v) != nil {
			missing = append(missing, "(a JSON number)")
		}
	case "bytes":
	default:
		var v map[string]json.RawMessage
		if json.Unmarshal(raw, &v) != nil {
			return []string{"(a JSON object)"}
		}
		for _, k := range want {
			if _, ok := v[k]; !ok {
				missing = append(missing, k)
			}
		}
	}
	return missing
}

// TestPyalephRoutes walks pyaleph's route list (testdata/pyaleph-routes.json,
// read from routes.py at the commit it names) on a real node: each route
// answers the status and top-level keys pyaleph's does, or what the list
// says alephd answers instead, and why. A route the list has and alephd
// does not serve fails here.
func TestPyalephRoutes(t *testing.T) {
	raw, err := os.ReadFile("testdata/pyaleph-routes.json")
	if err != nil {
		t.Fatal(err)
	}
	var list pyalephRoutes
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Routes) != 60 || len(list.Excluded) != 1 {
		t.Fatalf("pyaleph %s registers 61 routes: %d listed and %d excluded", list.Commit, len(list.Routes), len(list.Excluded))
	}
	n, f := startRouteFixture(t, "pyaleph-routes")
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	for _, r := range list.Routes {
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			status, keys := r.Status, r.Keys
			if r.Alephd != nil {
				if r.Alephd.Why == "" {
					t.Fatal("an alephd difference says why")
				}
				if r.Alephd.Status != 0 {
					status = r.Alephd.Status
				}
				if r.Alephd.Keys != nil {
					keys = r.Alephd.Keys
				}
			}
			var code int
			var body []byte
			if r.Kind == "ws" {
				code, body = f.firstFrame(t, r)
			} else {
				code, body = f.request(t, r)
			}
			if code != status {
				t.Fatalf("%s %s: %d, want %d: %.300s", r.Method, r.Path, code, status, body)
			}
			if missing := missingKeys(r.Kind, body, keys); len(missing) > 0 {
				t.Fatalf("%s %s lacks %v: %.300s", r.Method, r.Path, missing, body)
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) { // aiohttp answers HEAD on every GET route
		res, err := http.Head(f.a.base + "/api/v0/storage/raw/" + f.file)
		if err != nil || res.StatusCode != 200 || res.ContentLength != int64(len(f.fileBody)) {
			t.Fatalf("HEAD raw: %v %v", err, res)
		}
		_ = res.Body.Close()
		for _, r := range list.Routes {
			if r.Method != http.MethodGet || r.Kind == "ws" {
				continue
			}
			want := r.Status
			if r.Alephd != nil && r.Alephd.Status != 0 {
				want = r.Alephd.Status
			}
			res, err := http.Head(f.a.base + f.fill(r.Path))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != want || len(body) != 0 {
				t.Errorf("HEAD %s: %d with %d bytes, want %d and no body", r.Path, res.StatusCode, len(body), want)
			}
		}
	})
}

// sdkModel is a pydantic model of testdata/sdk-python-responses.json.
type sdkModel struct {
	Base               string
	Required, Optional []string
	Defaults           []string
	ForbidExtra        bool `json:"forbid_extra"`
	Lists, Maps        map[string]string
	Enums              map[string][]string
}

// checkModel reports how v fails to validate as model name.
func checkModel(models map[string]sdkModel, name string, v map[string]json.RawMessage) []string {
	m := models[name]
	required, known := slices.Clone(m.Required), slices.Concat(m.Required, m.Optional, m.Defaults)
	for b := m.Base; b != ""; b = models[b].Base {
		required = append(required, models[b].Required...)
		known = append(known, models[b].Required...)
	}
	required = slices.DeleteFunc(required, func(k string) bool { return slices.Contains(m.Defaults, k) })
	var errs []string
	for _, k := range required {
		if _, ok := v[k]; !ok {
			errs = append(errs, name+"."+k+" missing")
		}
	}
	if m.ForbidExtra {
		for k := range v {
			if !slices.Contains(known, k) {
				errs = append(errs, name+"."+k+" not allowed (extra=forbid)")
			}
		}
	}
	for k, allowed := range m.Enums {
		var s string
		if json.Unmarshal(v[k], &s) == nil && !slices.Contains(allowed, s) {
			errs = append(errs, name+"."+k+" = "+s+": not one of "+strings.Join(allowed, " "))
		}
	}
	for k, item := range m.Lists {
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(v[k], &items); err != nil {
			errs = append(errs, name+"."+k+": not a list of objects")
		}
		for _, it := range items {
			errs = append(errs, checkModel(models, item, it)...)
		}
	}
	for k, item := range m.Maps {
		var items map[string]map[string]json.RawMessage
		if err := json.Unmarshal(v[k], &items); err != nil {
			errs = append(errs, name+"."+k+": not a map of objects")
		}
		for _, it := range items {
			errs = append(errs, checkModel(models, item, it)...)
		}
	}
	return errs
}

// TestPythonSDKModels reads alephd's answers into the Python SDK's response
// models (their field lists, testdata/sdk-python-responses.json): the SDK
// cannot be installed here, so its pydantic validation is replayed on the
// fields it declares.
func TestPythonSDKModels(t *testing.T) {
	raw, err := os.ReadFile("testdata/sdk-python-responses.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Models map[string]sdkModel
		Calls  []struct{ Model, Path string }
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	n, f := startRouteFixture(t, "sdk-models")
	defer func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	}()
	for _, call := range data.Calls {
		t.Run(call.Model, func(t *testing.T) {
			code, _, body := f.a.do(http.MethodGet, f.fill(call.Path), "", nil)
			var v map[string]json.RawMessage
			if code != 200 || json.Unmarshal(body, &v) != nil {
				t.Fatalf("GET %s: %d %.300s", call.Path, code, body)
			}
			if errs := checkModel(data.Models, call.Model, v); len(errs) > 0 {
				t.Fatalf("GET %s as %s: %s\n%.500s", call.Path, call.Model, strings.Join(errs, "; "), body)
			}
		})
	}
}
