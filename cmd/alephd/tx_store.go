package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alephd/alephd/client"
)

// txStoreCmd uploads a file to a node's API (pyaleph's add_file routes)
// and STOREs it: what the SDKs' createStore does, from the command line.
func txStoreCmd() *cobra.Command {
	var engine, api string
	c := &cobra.Command{
		Use:   "store FILE",
		Short: "Upload FILE to a node's API and publish a STORE of it (--engine storage: sha256, or ipfs)",
		Long: `Upload FILE to a node's API (POST /api/v0/{storage,ipfs}/add_file) and publish a
STORE naming the hash the node answered: its sha256 (--engine storage) or its CID
(--engine ipfs, kubo's defaults). The STORE is pending until validators holding
more than 2/3 of the power attest the file, then processed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if engine != "storage" && engine != "ipfs" {
				return fmt.Errorf("--engine %q: storage or ipfs", engine)
			}
			hash, err := uploadFile(cmd, strings.TrimRight(api, "/"), engine, args[0])
			if err != nil {
				return err
			}
			return signAndSubmit(cmd, client.Store(flagString(cmd, "channel"), hash, engine, 0))
		},
	}
	c.Flags().StringVar(&engine, "engine", "storage", "storage (sha256) or ipfs")
	c.Flags().StringVar(&api, "api", "http://127.0.0.1:4024", "the node's API base URL, where the file is uploaded")
	return c
}

// uploadFile posts path to api's add_file route for engine and returns the
// hash the node answers.
func uploadFile(cmd *cobra.Command, api, engine, path string) (string, error) {
	f, err := os.Open(path) //nolint:gosec // the user's own file, named on the command line
	if err != nil {
		return "", err
	}
	defer f.Close() //nolint:errcheck // read only
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", filepath.Base(path))
	if err == nil {
		_, err = io.Copy(part, f)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", err
	}
	url := api + "/api/v0/" + engine + "/add_file"
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, url, &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("upload to %s: %w", url, err)
	}
	defer res.Body.Close() //nolint:errcheck // read only
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", err
	}
	var out struct {
		Hash  string `json:"hash"`
		Error string `json:"error"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Hash == "" {
		return "", fmt.Errorf("upload to %s: %s: %s", url, res.Status, strings.TrimSpace(string(b)))
	}
	return out.Hash, nil
}
