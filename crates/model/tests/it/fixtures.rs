//! Hand-written SFTPGo-shaped JSON fixtures (written from the documented JSON shape, not captured
//! from SFTPGo). Placeholders `@ED25519@` are replaced by [`with_keys`].

use crate::keys;

/// Replaces the key placeholders of a fixture.
pub fn with_keys(json: &str) -> String {
    json.replace("@ED25519@", keys::ED25519_KEY).replace("@RSA2048@", keys::RSA2048_KEY)
}

/// A user stored on S3, with every filter set, SFTPGo-style extras (`has_password`, folder
/// `users`), a `null` and an unknown field.
pub const USER_S3: &str = r#"{
  "id": 7,
  "status": 1,
  "username": "alice",
  "email": "alice@example.com",
  "description": "Alice Liddell",
  "expiration_date": 0,
  "password": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
  "public_keys": ["@ED25519@", "@RSA2048@"],
  "has_password": true,
  "home_dir": "/srv/sftpgo/data/alice",
  "virtual_folders": [
    {"id": 3, "name": "shared", "mapped_path": "/srv/shared", "used_quota_size": 10,
     "used_quota_files": 1, "last_quota_update": 1721557800000, "users": ["alice"],
     "filesystem": {"provider": 0}, "virtual_path": "/shared", "quota_size": -1, "quota_files": -1}
  ],
  "uid": 1000,
  "gid": 1000,
  "max_sessions": 2,
  "quota_size": 1073741824,
  "quota_files": 1000,
  "permissions": {"/": ["*"], "/ro": ["list", "download"], "/p*": ["list"]},
  "used_quota_size": 2048,
  "used_quota_files": 3,
  "last_quota_update": 1721557800000,
  "upload_bandwidth": 100,
  "download_bandwidth": 200,
  "upload_data_transfer": 0,
  "download_data_transfer": 0,
  "total_data_transfer": 1024,
  "used_upload_data_transfer": 5,
  "used_download_data_transfer": 6,
  "created_at": 1721557800000,
  "updated_at": 1721557900000,
  "last_login": 1721558000000,
  "first_download": 1721558100000,
  "first_upload": 1721558200000,
  "last_password_change": 1721557800000,
  "additional_info": "ext-42",
  "groups": [{"name": "staff", "type": 1}, {"name": "readers", "type": 2}, {"name": "all", "type": 3}],
  "oidc_custom_fields": null,
  "role": "eu",
  "filters": {
    "allowed_ip": ["192.0.2.0/24"],
    "denied_ip": ["198.51.100.0/24"],
    "denied_login_methods": ["keyboard-interactive"],
    "denied_protocols": ["DAV"],
    "file_patterns": [{"path": "/ro", "allowed_patterns": ["*.pdf"], "denied_patterns": ["*.zip"], "deny_policy": 1}],
    "max_upload_file_size": 1048576,
    "tls_username": "CommonName",
    "hooks": {"external_auth_disabled": false, "pre_login_disabled": true, "check_password_disabled": false},
    "disable_fs_checks": true,
    "web_client": ["write-disabled"],
    "allow_api_key_auth": true,
    "user_type": "LDAPUser",
    "bandwidth_limits": [{"sources": ["10.0.0.0/8"], "upload_bandwidth": 50, "download_bandwidth": 60}],
    "external_auth_cache_time": 0,
    "start_directory": "/docs",
    "two_factor_protocols": ["SSH"],
    "ftp_security": 1,
    "default_shares_expiration": 7,
    "max_shares_expiration": 30,
    "password_expiration": 90,
    "password_strength": 50,
    "access_time": [{"day_of_week": 1, "from": "08:00", "to": "18:00"}],
    "require_password_change": true,
    "totp_config": {"enabled": true, "config_name": "Default",
      "secret": {"status": "Secretbox", "payload": "cGF5bG9hZA==", "key": "6b6579", "additional_data": "alice", "mode": 1},
      "protocols": ["SSH", "HTTP"]},
    "recovery_codes": [{"secret": {"status": "Secretbox", "payload": "Y29kZQ==", "key": "6b", "additional_data": "alice"}, "used": true}],
    "additional_emails": ["alice2@example.com"]
  },
  "filesystem": {
    "provider": 1,
    "s3config": {"bucket": "files", "region": "eu-west-1", "access_key": "AKIDEXAMPLE",
      "access_secret": {"status": "Secretbox", "payload": "c2VjcmV0", "key": "6b6579", "additional_data": "alice", "mode": 1},
      "key_prefix": "users/alice/", "upload_part_size": 5, "upload_concurrency": 4, "force_path_style": true},
    "gcsconfig": {}, "azblobconfig": {}, "cryptconfig": {}, "sftpconfig": {}, "httpconfig": {}
  },
  "some_future_field": {"x": 1}
}"#;

/// A filesystem per provider, with plain (input) secrets.
pub const FS_LOCAL: &str = r#"{"provider": 0, "osconfig": {"read_buffer_size": 1, "write_buffer_size": 2}}"#;
/// S3.
pub const FS_S3: &str = r#"{"provider": 1, "s3config": {"bucket": "b", "region": "us-east-1",
  "access_key": "AKID", "access_secret": {"status": "Plain", "payload": "secret"},
  "sse_customer_key": {"status": "Plain", "payload": "ssekey"},
  "role_arn": "arn:aws:iam::1:role/x", "session_token": "tok", "endpoint": "https://s3.example.com",
  "storage_class": " STANDARD ", "acl": "private", "key_prefix": "users//alice", "upload_part_size": 5,
  "upload_concurrency": 4, "upload_part_max_time": 60, "download_part_size": 6,
  "download_concurrency": 3, "download_part_max_time": 61, "force_path_style": true,
  "skip_tls_verify": true}, "osconfig": {"read_buffer_size": 3}}"#;
/// Google Cloud Storage.
pub const FS_GCS: &str = r#"{"provider": 2, "gcsconfig": {"bucket": "gb",
  "credentials": {"status": "Plain", "payload": "{\"type\":\"service_account\"}"},
  "automatic_credentials": 0, "storage_class": "NEARLINE", "acl": "publicRead",
  "key_prefix": "pfx", "upload_part_size": 16, "upload_part_max_time": 32}}"#;
/// Azure Blob Storage.
pub const FS_AZURE: &str = r#"{"provider": 3, "azblobconfig": {"container": "c", "account_name": "acct",
  "account_key": {"status": "Plain", "payload": "a2V5"}, "sas_url": {},
  "endpoint": "http://127.0.0.1:10000", "key_prefix": "x/y", "upload_part_size": 5,
  "upload_concurrency": 5, "download_part_size": 5, "download_concurrency": 5,
  "access_tier": "Cool", "use_emulator": true}}"#;
/// Encrypted local.
pub const FS_CRYPT: &str = r#"{"provider": 4, "cryptconfig": {"passphrase": {"status": "Plain", "payload": "pass"},
  "read_buffer_size": 2, "write_buffer_size": 3}}"#;
/// Remote SFTP.
pub const FS_SFTP: &str = r#"{"provider": 5, "sftpconfig": {"endpoint": "sftp.example.com",
  "username": "remote", "password": {"status": "Plain", "payload": "pw"}, "private_key": {},
  "key_passphrase": {}, "fingerprints": ["SHA256:abc"], "prefix": "/data/",
  "disable_concurrent_reads": true, "buffer_size": 2, "equality_check_mode": 1}}"#;
/// httpfs.
pub const FS_HTTP: &str = r#"{"provider": 6, "httpconfig": {"endpoint": "https://httpfs.example.com/api/v1/",
  "username": "u", "password": {"status": "Plain", "payload": "p"},
  "api_key": {"status": "Plain", "payload": "k"}, "skip_tls_verify": true, "equality_check_mode": 0}}"#;

/// A folder on SFTP.
pub const FOLDER: &str = r#"{"id": 4, "name": "archive", "description": "old files",
  "used_quota_size": 100, "used_quota_files": 2, "last_quota_update": 1721557800000,
  "users": ["alice", "bob"], "groups": ["staff"],
  "filesystem": {"provider": 5, "sftpconfig": {"endpoint": "archive.example.com:2022", "username": "arch",
    "private_key": {"status": "Secretbox", "payload": "cGs=", "key": "6b", "additional_data": "folder_archive"}}}}"#;

/// A group with settings for its members.
pub const GROUP: &str = r#"{"id": 2, "name": "staff", "description": "Staff members",
  "created_at": 1721557800000, "updated_at": 1721557800000, "users": ["alice"], "admins": ["boss"],
  "user_settings": {"home_dir": "/srv/staff/%username%", "max_sessions": 5, "quota_size": 0, "quota_files": 0,
    "permissions": {"/": ["list", "download"], "/%username%": ["*"]},
    "upload_bandwidth": 0, "download_bandwidth": 300,
    "upload_data_transfer": 0, "download_data_transfer": 0, "total_data_transfer": 0, "expires_in": 30,
    "filters": {"denied_protocols": ["FTP"], "hooks": {"external_auth_disabled": false, "pre_login_disabled": false, "check_password_disabled": false}},
    "filesystem": {"provider": 0}},
  "virtual_folders": [{"name": "shared", "virtual_path": "/team", "quota_size": 0, "quota_files": 0}]}"#;

/// An admin with TOTP, preferences and groups.
pub const ADMIN: &str = r#"{"id": 1, "status": 1, "username": "admin",
  "password": "$argon2id$v=19$m=65536,t=1,p=2$c2FsdA$aGFzaA", "email": "admin@example.com",
  "permissions": ["add_users", "edit_users", "view_users"],
  "filters": {"allow_list": ["192.0.2.0/24"], "allow_api_key_auth": true, "require_password_change": false,
    "require_two_factor": true,
    "totp_config": {"enabled": true, "config_name": "Default", "secret": {"status": "Secretbox", "payload": "eA==", "key": "6b", "additional_data": "admin"}},
    "recovery_codes": [{"secret": {"status": "Secretbox", "payload": "eQ==", "key": "6b", "additional_data": "admin"}}],
    "preferences": {"hide_user_page_sections": 3, "default_users_expiration": 90}},
  "description": "main admin", "additional_info": "x",
  "groups": [{"name": "staff", "options": {"add_to_users_as": 1}}, {"name": "readers", "options": {}}],
  "created_at": 1721557800000, "updated_at": 1721557800000, "last_login": 1721557900000, "role": "eu"}"#;

/// An API key bound to a user.
pub const API_KEY: &str = r#"{"id": "JQq4DF1UsRDHZk6MWbpVBg", "name": "ci",
  "key": "$2a$10$abcdefghijklmnopqrstuv", "scope": 2, "created_at": 1721557800000,
  "updated_at": 1721557800000, "last_use_at": 1721557900000, "expires_at": 0,
  "description": "CI pipeline", "user": "alice"}"#;

/// A read share.
pub const SHARE: &str = r#"{"id": "3tvTaA9LrjDhGqN5Bxe8Qm", "name": "report", "description": "Q3",
  "scope": 1, "paths": ["/docs/report.pdf", "/docs/annex"], "username": "alice",
  "created_at": 1721557800000, "updated_at": 1721557800000, "last_use_at": 0,
  "expires_at": 1893456000000, "password": "", "max_tokens": 10, "used_tokens": 2,
  "allow_from": ["192.0.2.0/24"]}"#;

/// A role.
pub const ROLE: &str = r#"{"id": 5, "name": "eu", "description": "EU staff", "created_at": 1721557800000,
  "updated_at": 1721557800000, "users": ["alice"], "admins": ["admin"]}"#;

/// A defender deny entry (with SFTPGo's internal fields, which are ignored).
pub const IP_ENTRY: &str = r#"{"ipornet": "203.0.113.0/24", "description": "bad net", "type": 2, "mode": 2,
  "protocols": 3, "first": "ywBxAA==", "last": "ywBx/w==", "ip_type": 1,
  "created_at": 1721557800000, "updated_at": 1721557800000}"#;

/// An HTTP action.
pub const ACTION_HTTP: &str = r#"{"id": 1, "name": "notify", "description": "webhook", "type": 1,
  "options": {"http_config": {"endpoint": "https://hooks.example.com/sftpgo", "username": "hook",
    "password": {"status": "Plain", "payload": "pw"},
    "headers": [{"key": "Content-Type", "value": "application/json"}], "timeout": 20,
    "method": "POST", "query_parameters": [{"key": "a", "value": "b"}],
    "body": "{\"user\": \"{{.Name}}\", \"event\": \"{{.Event}}\"}"},
    "cmd_config": {}, "email_config": {}, "retention_config": {}, "fs_config": {"compress": {}},
    "pwd_expiration_config": {}, "user_inactivity_config": {}, "idp_config": {}},
  "rules": ["on-upload"]}"#;

/// A filesystem action.
pub const ACTION_FS: &str = r#"{"id": 2, "name": "archive-upload", "type": 9,
  "options": {"fs_config": {"type": 1, "renames": [{"key": "/{{.VirtualPath}}", "value": "/archive/{{.ObjectName}}", "update_modtime": true}]}}}"#;

/// A rule triggered by uploads, with the full actions embedded as SFTPGo returns them.
pub const RULE: &str = r#"{"id": 1, "name": "on-upload", "status": 1, "description": "after upload",
  "created_at": 1721557800000, "updated_at": 1721557800000, "trigger": 1,
  "conditions": {"fs_events": ["upload"], "options": {"names": [{"pattern": "a*", "inverse_match": true}],
    "fs_paths": [{"pattern": "/docs/*"}], "protocols": ["SFTP", "HTTP"], "min_size": 10, "max_size": 100,
    "event_statuses": [1, 3]}},
  "actions": [
    {"id": 1, "name": "notify", "type": 1, "options": {"http_config": {"endpoint": "https://hooks.example.com/sftpgo", "timeout": 20, "method": "POST"}},
     "order": 1, "relation_options": {"is_failure_action": false, "stop_on_failure": true, "execute_sync": true}},
    {"name": "archive-upload", "order": 2, "relation_options": {"is_failure_action": false, "stop_on_failure": false, "execute_sync": false}}
  ]}"#;

/// A scheduled rule.
pub const RULE_SCHEDULE: &str = r#"{"name": "nightly", "status": 1, "trigger": 3,
  "conditions": {"schedules": [{"hour": "2", "day_of_week": "*", "day_of_month": "*", "month": "*"}], "options": {}},
  "actions": [{"name": "backup", "relation_options": {}}]}"#;

/// Configs with every section.
pub const CONFIGS: &str = r#"{"sftpd": {"host_key_algos": ["ssh-rsa"], "kex_algorithms": ["diffie-hellman-group14-sha1"],
    "ciphers": ["aes128-cbc"], "macs": ["hmac-sha1"], "public_key_algos": ["ssh-dss"]},
  "smtp": {"host": "smtp.example.com", "port": 587, "from": "sftpgo@example.com", "user": "mailer",
    "password": {"status": "Secretbox", "payload": "cHc=", "key": "6b", "additional_data": "smtp"},
    "auth_type": 1, "encryption": 2, "domain": "example.com", "oauth2": {}},
  "acme": {"domain": "files.example.com", "email": "ops@example.com", "http01_challenge": {"port": 80}, "protocols": 3},
  "branding": {"WebAdmin": {"name": "Files", "short_name": "F", "logo": null, "favicon": "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9h",
      "disclaimer_name": "Terms", "disclaimer_url": "https://example.com/terms"},
    "WebClient": {"name": "", "short_name": "", "logo": null, "favicon": null, "disclaimer_name": "", "disclaimer_url": ""}},
  "updated_at": 1721557800000}"#;

/// A complete dump (version 17) with one object of each kind.
pub fn dump_v17() -> String {
    format!(
        r#"{{"users": [{user}], "groups": [{group}], "folders": [{folder}], "admins": [{admin}],
  "api_keys": [{api_key}], "shares": [{share}], "event_actions": [{action}, {action_fs}],
  "event_rules": [{rule}], "roles": [{role}], "ip_lists": [{ip}], "configs": {configs}, "version": 17}}"#,
        user = with_keys(USER_S3),
        group = GROUP,
        folder = FOLDER,
        admin = ADMIN,
        api_key = API_KEY,
        share = SHARE,
        action = ACTION_HTTP,
        action_fs = ACTION_FS,
        rule = RULE,
        role = ROLE,
        ip = IP_ENTRY,
        configs = CONFIGS,
    )
}

/// A version 16 dump: old-style `{{Name}}` placeholders, `2fa_protocols`, nulls for empty lists.
pub const DUMP_V16: &str = r#"{"users": [{"id": 1, "status": 1, "username": "bob", "home_dir": "/home/bob",
    "permissions": {"/": ["*"]}, "public_keys": null, "virtual_folders": null,
    "filters": {"2fa_protocols": ["FTP"], "hooks": {}, "totp_config": {}}, "filesystem": {"provider": 0}}],
  "groups": null, "folders": [], "admins": null, "api_keys": null, "shares": null,
  "event_actions": [{"id": 1, "name": "mail", "type": 3, "options": {"email_config": {
      "recipients": ["ops@example.com"], "subject": "{{Event}} by {{Name}}",
      "body": "Path: {{VirtualPath}} {{.Status}}", "attachments": ["{{RetentionReports}}"]}}}],
  "event_rules": null, "roles": null, "version": 16}"#;
