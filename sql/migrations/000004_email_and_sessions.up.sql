-- requires: synapse_ext >= 0.1.0
-- Migration 4: authentication sessions and the email integration tables.
-- Keyed by user (not department): shared tables like users.

CREATE TABLE synapse.auth_sessions (
  id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
  user_id            uuid        NOT NULL,
  -- Only a hash of the refresh token is stored (SHA-256, 32 bytes): a leaked table
  -- does not let anyone refresh a session. Lookup is by hash.
  refresh_token_hash bytea       NOT NULL,
  user_agent         text,
  ip_address         inet,
  created_at         timestamptz NOT NULL DEFAULT now(),
  last_used_at       timestamptz,
  expires_at         timestamptz NOT NULL,
  revoked_at         timestamptz,
  CONSTRAINT auth_sessions_pkey PRIMARY KEY (id),
  CONSTRAINT auth_sessions_refresh_token_hash_key UNIQUE (refresh_token_hash),
  CONSTRAINT auth_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES synapse.users (id),
  CONSTRAINT auth_sessions_hash_length CHECK (octet_length(refresh_token_hash) = 32),
  CONSTRAINT auth_sessions_expiry_check CHECK (expires_at > created_at)
);
COMMENT ON TABLE synapse.auth_sessions IS
  'Refresh-token sessions; tokens are stored only as SHA-256 hashes, with an expiry and optional revocation.';

CREATE INDEX auth_sessions_user_id_idx ON synapse.auth_sessions (user_id);
-- Cleanup of expired sessions.
CREATE INDEX auth_sessions_expires_at_idx ON synapse.auth_sessions (expires_at);

CREATE TABLE synapse.email_integrations (
  integration_id          uuid                  NOT NULL DEFAULT gen_random_uuid(),
  user_id                 uuid                  NOT NULL,
  provider                varchar(50)           NOT NULL,
  email                   varchar(255)          NOT NULL,
  -- OAuth tokens only encrypted (by the application, key outside the database); bytea
  -- so a plaintext token cannot be stored by mistake as readable text.
  access_token_encrypted  bytea,
  refresh_token_encrypted bytea,
  token_expires_at        timestamptz,
  -- Which key (in the key management system) encrypted the tokens; never the key.
  encryption_key_id       varchar(100),
  status                  varchar(50)           NOT NULL DEFAULT 'disconnected',
  last_sync               timestamptz,
  last_sync_message_id    varchar(255),
  error_message           text,
  error_count             integer               NOT NULL DEFAULT 0,
  sync_enabled            boolean               NOT NULL DEFAULT true,
  sync_frequency_minutes  integer               NOT NULL DEFAULT 5,
  folders_to_monitor      text[]                NOT NULL DEFAULT '{INBOX}',
  auto_create_tasks       boolean               NOT NULL DEFAULT true,
  min_confidence_score    numeric(3,2)          NOT NULL DEFAULT 0.70,
  default_priority        synapse.task_priority NOT NULL DEFAULT 'Medium',
  default_status          synapse.task_status   NOT NULL DEFAULT 'To Do',
  created_at              timestamptz           NOT NULL DEFAULT now(),
  updated_at              timestamptz           NOT NULL DEFAULT now(),
  CONSTRAINT email_integrations_pkey PRIMARY KEY (integration_id),
  CONSTRAINT email_integrations_user_id_fkey FOREIGN KEY (user_id) REFERENCES synapse.users (id),
  -- Also the index behind the user_id foreign key.
  CONSTRAINT email_integrations_user_provider_key UNIQUE (user_id, provider),
  CONSTRAINT email_integrations_provider_check CHECK (provider IN ('zoho-mail', 'outlook')),
  CONSTRAINT email_integrations_status_check
    CHECK (status IN ('connected', 'disconnected', 'syncing', 'error', 'expired')),
  CONSTRAINT email_integrations_sync_frequency_check CHECK (sync_frequency_minutes BETWEEN 1 AND 60),
  CONSTRAINT email_integrations_error_count_check CHECK (error_count >= 0),
  CONSTRAINT email_integrations_confidence_check CHECK (min_confidence_score BETWEEN 0 AND 1),
  -- Encrypted tokens are useless without knowing which key encrypted them.
  CONSTRAINT email_integrations_key_id_check
    CHECK ((access_token_encrypted IS NULL AND refresh_token_encrypted IS NULL) OR encryption_key_id IS NOT NULL)
);
COMMENT ON TABLE synapse.email_integrations IS
  'A user''s connected mailbox (Zoho Mail or Outlook) that tasks are extracted from; OAuth tokens are stored only encrypted.';

CREATE INDEX email_integrations_sync_due_idx ON synapse.email_integrations (last_sync)
  WHERE sync_enabled AND status = 'connected';
CREATE INDEX email_integrations_error_idx ON synapse.email_integrations (error_count)
  WHERE status = 'error';

CREATE TRIGGER email_integrations_set_updated_at BEFORE UPDATE ON synapse.email_integrations
  FOR EACH ROW EXECUTE FUNCTION synapse._set_updated_at();

CREATE TABLE synapse.email_processing_log (
  log_id               uuid          NOT NULL DEFAULT gen_random_uuid(),
  integration_id       uuid          NOT NULL,
  message_id           varchar(998)  NOT NULL,
  message_subject      varchar(500),
  message_from         varchar(255),
  message_date         timestamptz,
  processed_at         timestamptz   NOT NULL DEFAULT now(),
  processing_status    varchar(50)   NOT NULL,
  tasks_created        integer       NOT NULL DEFAULT 0,
  ai_extracted_tasks   jsonb,
  ai_confidence_scores numeric(3,2)[],
  ai_model_used        varchar(100),
  error_message        text,
  retry_count          integer       NOT NULL DEFAULT 0,
  CONSTRAINT email_processing_log_pkey PRIMARY KEY (log_id),
  CONSTRAINT email_processing_log_integration_fkey FOREIGN KEY (integration_id)
    REFERENCES synapse.email_integrations (integration_id) ON DELETE CASCADE,
  -- A message is processed once per mailbox (the poller may see it again); also the
  -- index behind the foreign key.
  CONSTRAINT email_processing_log_message_key UNIQUE (integration_id, message_id),
  CONSTRAINT email_processing_log_status_check
    CHECK (processing_status IN ('success', 'failed', 'skipped', 'no_tasks', 'low_confidence')),
  CONSTRAINT email_processing_log_message_id_not_blank CHECK (btrim(message_id) <> ''),
  CONSTRAINT email_processing_log_tasks_created_check CHECK (tasks_created >= 0),
  CONSTRAINT email_processing_log_retry_count_check CHECK (retry_count >= 0)
);
COMMENT ON TABLE synapse.email_processing_log IS
  'One row per email examined for tasks: prevents processing a message twice and keeps what the AI extracted.';

CREATE INDEX email_processing_log_integration_idx
  ON synapse.email_processing_log (integration_id, processed_at DESC);
CREATE INDEX email_processing_log_message_id_idx ON synapse.email_processing_log (message_id);
CREATE INDEX email_processing_log_failed_idx ON synapse.email_processing_log (processed_at)
  WHERE processing_status = 'failed';
