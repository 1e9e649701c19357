-- Comments for \df+ and \dd; applied last, once every function exists.
COMMENT ON FUNCTION recurrence_pattern_errors(jsonb) IS
  'Every problem of a recurrence pattern, each naming its key as a JSON path (e.g. "daysOfWeek[2]: 8 is not an ISO weekday (1..7)"); empty when valid.';
COMMENT ON FUNCTION is_valid_recurrence_pattern(jsonb) IS
  'True when the recurrence pattern is valid. Immutable: usable in CHECK constraints.';
COMMENT ON FUNCTION validate_recurrence_pattern(jsonb) IS
  'The normalised recurrence pattern (defaults filled in). A bad pattern raises SQLSTATE 22023: first problem as message, all in DETAIL.';
COMMENT ON FUNCTION calculate_next_occurrence(jsonb, timestamptz, timestamptz) IS
  'First occurrence strictly after "after"; NULL once the series has ended (count, until). The series starts at dtstart, or at "after" when dtstart is NULL.';
COMMENT ON FUNCTION recurrence_occurrences(jsonb, timestamptz, timestamptz, timestamptz, integer) IS
  'Occurrences of the series starting at dtstart within [window_start, window_end] (NULL = open), ascending, at most max_count.';
COMMENT ON FUNCTION recurrence_to_rrule(jsonb, timestamptz) IS
  'The pattern as RFC 5545 text (DTSTART;TZID, RRULE, EXDATE lines); clamp is written RSCALE=GREGORIAN;SKIP=BACKWARD (RFC 7529).';
COMMENT ON FUNCTION recurrence_from_rrule(text) IS
  'The recurrence pattern for an RFC 5545 RRULE text (optionally with DTSTART and EXDATE lines, RFC 7529 RSCALE/SKIP). SQLSTATE 22023 names any part this shape cannot express.';
COMMENT ON FUNCTION task_search_vector(text, text) IS
  'Weighted search document of a task: title (weight A) above description (weight B), English configuration. Immutable: backs tasks.search_vector.';
