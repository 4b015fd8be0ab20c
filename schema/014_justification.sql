-- Justified growth: a commit's message may carry a trailer (by default
-- "Size-Justification: <text>") that accepts the growth it brings.
-- trailers: the message's trailers as git parses them, unfolded, joined
-- by U+001E ("Key: value" each); NULL for commits recorded before.
-- projects.trailer: the trailer's key for a project; NULL for the
-- default, '' when the project does not honour one.
ALTER TABLE commits ADD COLUMN trailers TEXT;
ALTER TABLE projects ADD COLUMN trailer TEXT;
