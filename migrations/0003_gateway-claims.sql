-- Up Migration
-- One row per signal fingerprint: which RemediationRequest currently answers for it.
-- The primary key makes "create an RR for this fingerprint" a single winner across
-- every API replica (INSERT ... ON CONFLICT DO NOTHING); a claim whose RR has ended
-- or vanished is taken over by a conditional UPDATE on the name it held, so two
-- replicas cannot both take it over. rr_name is chosen when the claim is taken, so a
-- replica that crashes between claiming and creating leaves a name the next request
-- creates (get-before-create). rr_uid is NULL until the RR is known to exist.

CREATE TABLE gateway_claims (
  fingerprint   text        PRIMARY KEY CHECK (fingerprint ~ '^[a-f0-9]{64}$'),
  rr_name       text        NOT NULL,
  rr_namespace  text        NOT NULL,
  rr_uid        text,
  claimed_at    timestamptz NOT NULL DEFAULT now(),
  released      boolean     NOT NULL DEFAULT false,
  released_at   timestamptz,
  generation    integer     NOT NULL DEFAULT 1
);

COMMENT ON TABLE gateway_claims IS
  'Gateway deduplication claims: the RemediationRequest answering for each signal fingerprint';

-- Down Migration
DROP TABLE gateway_claims;
