-- The package a tracked project builds by default (its root Cargo.toml's
-- [package] name at the branch head), read when its source is cloned and
-- at every scheduled fetch; NULL for a virtual workspace. A variant's
-- "PKG/feature" is the feature "feature" of that package, one variant.
ALTER TABLE projects ADD COLUMN package TEXT;
