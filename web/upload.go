package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
)

// maxUploadBytes bounds one upload request (many files, or a ZIP).
const maxUploadBytes = 512 << 20

// upload takes files (multipart field "files", any number) into a
// collection as a background job and answers 202 with the job.
func (s *Server) upload(c *gin.Context) {
	form, err := c.MultipartForm()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.fail(c, err)
			return
		}
		s.fail(c, fmt.Errorf("send the files as multipart/form-data in the field \"files\": %v: %w", err, kb.ErrInvalid))
		return
	}
	defer form.RemoveAll()
	var files []ingest.Upload
	for _, fh := range form.File["files"] {
		f, err := fh.Open()
		if err != nil {
			s.fail(c, err)
			return
		}
		limit := int64(ingest.MaxUploadFileBytes + 1) // over it, the job rejects the file
		if strings.EqualFold(pathExt(fh.Filename), ".zip") {
			limit = maxUploadBytes // its files are limited one by one
		}
		data, err := io.ReadAll(io.LimitReader(f, limit))
		f.Close()
		if err != nil {
			s.fail(c, err)
			return
		}
		files = append(files, s.expand(fh.Filename, data)...)
	}
	draft := c.Query("draft") == "true"
	job, err := s.jobs.Submit(c.Request.Context(), currentUser(c).Name, c.Param("c"), draft, files)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"job": job})
}

// expand turns a ZIP into its files, named by their path inside it;
// anything else is one file. An archive that cannot be expanded (damaged,
// encrypted, a compression bomb) is one rejected file, with the reason.
func (s *Server) expand(name string, data []byte) []ingest.Upload {
	if !strings.EqualFold(pathExt(name), ".zip") {
		// A file from a folder upload comes with its path in the folder;
		// the folder's notes and hidden files are not articles.
		if strings.Contains(name, "/") && ingest.SkipName(name) {
			return nil
		}
		return []ingest.Upload{{Name: name, Data: data}}
	}
	entries, err := ingest.Unzip(data, ingest.DefaultZipLimits)
	if err != nil {
		return []ingest.Upload{{Name: name, Reject: ingest.Reason(err)}}
	}
	// Two files of one name in different folders (en/walrus.md and
	// zh/walrus.md) are two articles: ingest.UniqueIDs keeps their ids
	// apart.
	files := make([]ingest.Upload, len(entries))
	for i, e := range entries {
		files[i] = ingest.Upload{Name: e.Name, Data: e.Data}
	}
	return files
}

func pathExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func (s *Server) job(c *gin.Context) {
	j, err := s.store.Job(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"job": j})
}

func (s *Server) listJobs(c *gin.Context) {
	js, err := s.store.Jobs(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	if js == nil {
		js = []*kb.Job{}
	}
	c.JSON(http.StatusOK, gin.H{"jobs": js})
}
