package api

// SetUploadLimits lowers the upload limits, so that tests need not send
// 25 MiB to be refused.
func (s *Server) SetUploadLimits(storage, ipfs, unsigned int64) {
	s.limits = uploadLimits{storage: storage, ipfs: ipfs, unsigned: unsigned}
}
