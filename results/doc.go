// Package results keeps the trial outcomes of a w2s sweep and turns them into
// statistics.
//
// A Store is one bbolt file holding a sweep's settings and one record per
// finished trial; a Writer batches records into few durable transactions;
// Aggregate reduces a store to a Surface of success rates per cell,
// checkpoint and event; WriteCSV and WriteJSON export a Surface.
//
// # File layout
//
// A store is a bbolt database with two buckets:
//
//	meta
//	  format    the bytes "w2s-store/2" (the store format version)
//	  settings  deterministic protobuf encoding of the w2s.v1.SweepSettings
//	  created   creation time, RFC 3339, UTC (informational)
//	records
//	  key       8 bytes: big-endian uint32 cell ordinal, then big-endian
//	            uint32 trial index
//	  value     deterministic protobuf encoding of the w2s.v1.TrialOutcome,
//	            then a big-endian CRC-32C of key and encoding (4 bytes)
//
// A cell's ordinal is its index in SweepSettings.Cells(). Records therefore
// sort by cell, then trial, and the records of one cell are one range scan.
// Writing the same record twice leaves the same bytes, so stores made by
// different runs of the same sweep can be compared byte for byte
// (Store.RecordsDigest).
//
// # Events
//
// For one trial with teacher cosine c_t, initial cosine c₀ and cosine c_k at
// checkpoint k (a time in flow mode, a λ in ridge mode):
//
//	beats_teacher  c_k > c_t
//	improves       c_k > c₀
//	w2s            c_k > c_t and c_k > c₀
//	w2s_any        max_k c_k > max(c_t, c₀): w2s at the best checkpoint,
//	               which only an oracle can pick; it has no checkpoint
//
// A NaN cosine (a diverged trial) is a failure for every event and is left
// out of means.
//
// # Columns
//
// WriteCSV writes one row per cell, checkpoint and event, with the columns
// below; WriteJSON writes the same rows as objects with these field names.
// Empty CSV fields (JSON null) stand for NaN, and for the checkpoint of
// w2s_any rows.
//
//	margin            the cell's margin γ
//	n, d              the cell's sample size and dimension
//	checkpoint_index  k, the checkpoint's position in the settings
//	checkpoint        the checkpoint's time or λ
//	checkpoint_kind   "time" (flow mode), "lambda" (ridge mode), "best" (w2s_any)
//	event             beats_teacher, improves, w2s or w2s_any
//	trials            trials recorded in the cell
//	successes         trials in which the event happened
//	p_hat             successes / trials
//	wilson_low        95% Wilson score interval of p_hat, lower end
//	wilson_high       95% Wilson score interval of p_hat, upper end
//	mean_gain         mean of c_k − max(c_t, c₀) (w2s_any: of max_k c_k − max(c_t, c₀))
//	mean_cos          mean of c_k (w2s_any: of max_k c_k)
//	diverged          trials of the cell that diverged
package results
