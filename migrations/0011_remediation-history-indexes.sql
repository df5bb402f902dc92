-- Up Migration
-- Remediation history (GET /api/v1/remediation-history/context): which remediations
-- acted on a target. Partial expression indexes on the two anchor event types, ours
-- and Kubernaut's, so the lookup does not scan every row of the window. Partial: an
-- insert pays for them only on those two event types, one row per remediation.
CREATE INDEX IF NOT EXISTS audit_events_history_selection
  ON audit_events ((event_data->>'target'), event_timestamp)
  WHERE event_type = 'workflowexecution.selection.completed';

CREATE INDEX IF NOT EXISTS audit_events_history_workflow_created
  ON audit_events ((event_data->>'target_resource'), event_timestamp)
  WHERE event_type = 'remediation.workflow_created';
