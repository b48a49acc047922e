-- Uploaded files are kept in the database until their job ends, so any
-- node can run the job. A job is leased to the node that claimed it;
-- leased_until (NULL when nobody holds it) lapses when that node stops,
-- and another takes the job.
ALTER TABLE jobs ADD COLUMN claimed_by text NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN leased_until timestamptz;

CREATE TABLE upload_files (
	job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
	idx    integer NOT NULL, -- the file's place in the job's files
	name   text NOT NULL,
	data   bytea NOT NULL,
	PRIMARY KEY (job_id, idx)
);
