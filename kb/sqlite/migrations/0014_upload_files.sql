-- Uploaded files are kept in the database until their job ends, so any
-- node sharing it can run the job. A job is leased to the node that
-- claimed it; leased_until (Unix nanoseconds, 0 when nobody holds it)
-- lapses when that node stops, and another takes the job.
ALTER TABLE jobs ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN leased_until INTEGER NOT NULL DEFAULT 0;

CREATE TABLE upload_files (
	job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	idx    INTEGER NOT NULL, -- the file's place in the job's files
	name   TEXT NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (job_id, idx)
);
