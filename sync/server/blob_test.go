package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/sync/api"
)

func blobHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestBlobs: PUT /v1/blobs/{sha256} stores a photo once, verified against
// its name; HEAD says whether the service has it; refusals change nothing.
func TestBlobs(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.srv.cfg.MaxBlobBytes = 4 << 10
		e.job("job-1", "alice", esme)
		e.job("job-2", "bob", gsme)
		photo := bytes.Repeat([]byte("JPEG"), 512) // 2 KiB
		h := blobHash(photo)
		put := func(who, job, name string, b []byte) reply {
			hdr := map[string]string{"Content-Type": "application/octet-stream"}
			if job != "" {
				hdr[api.HeaderBlobJob] = job
			}
			return e.do("PUT", api.BlobPath(name), who, b, hdr)
		}
		if r := e.do("HEAD", api.BlobPath(h), "alice", nil, nil); r.status != 404 {
			t.Fatalf("HEAD before upload: %d", r.status)
		}
		count := func() string {
			return e.dump("SELECT count(*) FROM blobs", "SELECT count(*) FROM audit WHERE action = 'blob.put'")
		}
		before := count()
		tooBig := bytes.Repeat([]byte{1}, 5<<10)
		for _, tc := range []struct {
			name    string
			r       func() reply
			status  int
			problem string
		}{
			{"wrong hash", func() reply { return put("alice", "job-1", h, append(photo, 0)) }, 400, "hash to"},
			{"upper-case name", func() reply { return put("alice", "job-1", strings.ToUpper(h), photo) }, 400, "64 lower-case"},
			{"too big", func() reply { return put("alice", "job-1", blobHash(tooBig), tooBig) }, 413, "at most"},
			{"another installer's job", func() reply { return put("alice", "job-2", h, photo) }, 403, "own jobs"},
			{"no job", func() reply { return put("alice", "", h, photo) }, 403, "own jobs"},
			{"no token", func() reply { return put("", "job-1", h, photo) }, 401, ""},
			{"admin", func() reply { return put("admin", "job-1", h, photo) }, 403, ""},
		} {
			r := tc.r()
			if r.status != tc.status || !strings.Contains(string(r.body), tc.problem) {
				t.Errorf("%s: %d %s, want %d saying %q", tc.name, r.status, r.body, tc.status, tc.problem)
			}
		}
		if after := count(); after != before {
			t.Fatalf("refused uploads changed the database: %s -> %s", before, after)
		}
		if r := put("alice", "job-1", h, photo); r.status != 201 {
			t.Fatalf("first upload: %d %s", r.status, r.body)
		}
		if r := put("alice", "job-1", h, photo); r.status != 200 {
			t.Fatalf("repeated upload: %d %s", r.status, r.body)
		}
		if r := put("office", "", h, photo); r.status != 200 {
			t.Fatalf("back office upload of a stored blob: %d %s", r.status, r.body)
		}
		if got := e.dump("SELECT count(*) FROM blobs", "SELECT count(*) FROM audit WHERE action = 'blob.put'"); got != "1\n1\n" {
			t.Errorf("blob rows and audit lines after three uploads: %q", got)
		}
		req := e.do("HEAD", api.BlobPath(h), "bob", nil, nil)
		if req.status != 200 {
			t.Errorf("HEAD after upload: %d", req.status)
		}
		if r := e.do("GET", api.BlobPath(h), "office", nil, nil); r.status != 200 || !bytes.Equal(r.body, photo) {
			t.Errorf("office GET: %d, %d bytes", r.status, len(r.body))
		}
		if r := e.do("GET", api.BlobPath(h), "alice", nil, nil); r.status != 403 {
			t.Errorf("installer GET: %d", r.status)
		}
	})
}

// FuzzPutBlob: any name and bytes either store exactly those bytes under
// their own hash (and a second upload stores nothing) or are refused with
// a 4xx and change nothing; never a panic or a 5xx.
func FuzzPutBlob(f *testing.F) {
	f.Add(blobHash([]byte("photo")), []byte("photo"))
	f.Add(blobHash([]byte("photo")), []byte("other"))
	f.Add("not-a-hash", []byte{})
	f.Add(blobHash([]byte{}), []byte{})
	f.Add(strings.Repeat("A", 64), []byte{0})
	e := newEnv(f, fuzzDB(f))
	e.srv.cfg.MaxBlobBytes = 1 << 10
	e.job("job-1", "alice", esme)
	alice := Principal{Name: "alice", Role: RoleInstaller}
	office := Principal{Name: "office", Role: RoleBackOffice}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		e.t = t
		ctx := t.Context()
		before := e.dump("SELECT count(*) FROM blobs")
		_, err := e.srv.PutBlob(ctx, alice, name, "job-1", data)
		if err != nil {
			if s := httpStatus(err); s < 400 || s >= 500 {
				t.Fatalf("PutBlob(%q, %d bytes) = %v (status %d)", name, len(data), err, s)
			}
			if name == blobHash(data) && len(data) <= 1<<10 {
				t.Fatalf("refused a well-named blob: %v", err)
			}
			if e.dump("SELECT count(*) FROM blobs") != before {
				t.Fatal("a refused upload changed the blobs")
			}
			return
		}
		if name != blobHash(data) {
			t.Fatalf("stored %d bytes under %q, which is not their hash", len(data), name)
		}
		got, err := e.srv.Blob(ctx, office, name)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back: %v", err)
		}
		if created, err := e.srv.PutBlob(ctx, alice, name, "job-1", data); err != nil || created {
			t.Fatalf("second upload: created %v, %v", created, err)
		}
	})
}
